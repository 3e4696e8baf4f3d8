import { openShoebox, type Shoebox } from '../runtime/shoebox.js';
import { createLogger } from '../shared/observability.js';
import { readConfig } from './config-command.js';

/**
 * Commands that work on the data folder directly open Shoebox, do their work, and close it. Their
 * log lines go to stderr, so stdout carries only the command's answer (and stays parseable JSON).
 */
export async function withShoebox(work: (shoebox: Shoebox) => Promise<void>): Promise<void> {
  const config = readConfig();
  const shoebox = await openShoebox(config, createLogger(config.logLevel, process.stderr));
  try {
    await work(shoebox);
  } finally {
    await shoebox.close();
  }
}

export const print = (value: unknown): void => {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
};
