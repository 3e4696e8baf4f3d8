import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Served by `shoebox serve` at /demo/. The client is built from its sources, so the app builds
// whatever order npm runs the workspaces' prepare scripts in.
export default defineConfig({
  base: '/demo/',
  resolve: { alias: { '@shoebox/client': fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url)) } },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
