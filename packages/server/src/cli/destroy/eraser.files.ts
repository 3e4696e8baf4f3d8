import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { type DataLayout, sqliteFiles } from '../../runtime/layout.js';
import { runningProcesses } from '../../runtime/running-processes.js';
import type { Eraser } from './eraser.js';

/**
 * What Shoebox keeps in its data folder: the SQLite databases, secrets and blobs of the embedded
 * engine. The secrets folder is used on scale-out too (the generated admin token), so this
 * eraser always runs. The folder itself goes once nothing else is left in it. Processes running
 * the embedded engine register in it (runtime/running-processes.ts).
 */
export function filesEraser(layout: DataLayout): Eraser {
  const targets = () =>
    [...sqliteFiles(layout.databaseFile), ...sqliteFiles(layout.quotaFile), layout.secretsDir, layout.blobsDir, layout.processesDir].filter(
      (path) => existsSync(path),
    );
  return {
    name: 'the data folder',
    place: layout.root,
    async survey() {
      const found = targets();
      if (found.length === 0) return [];
      const names = new Set(found.map((path) => basename(path)));
      const leftEmpty = readdirSync(layout.root).every((name) => names.has(name));
      return [...found, ...(leftEmpty ? [`${layout.root} (the folder itself, then empty)`] : [])].map((description) => ({
        description,
        items: 1,
      }));
    },
    async erase() {
      for (const path of targets()) rmSync(path, { recursive: true, force: true });
      if (existsSync(layout.root) && readdirSync(layout.root).length === 0) rmdirSync(layout.root);
    },
    async inUse() {
      return runningProcesses(layout.processesDir).map(({ command, pid }) => `shoebox ${command} (pid ${pid}) on ${layout.root}`);
    },
    async close() {},
  };
}
