#!/usr/bin/env node
// Runs a TypeScript file given on the command line, e.g. the benchmarks: node bin/run-ts.js bench/run.ts
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const [file, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(resolve(file)).href);
