import { openShoebox, type Shoebox } from '../runtime/shoebox.js';
import { createLogger } from '../shared/observability.js';
import { readConfig } from './config-command.js';

/**
 * Runs a CLI action against the configured deployment, closing it afterwards. It refuses to create
 * a deployment, so a command run from another folder says so instead of answering from a new,
 * empty one. Log lines go to stderr, so stdout carries only the command's answer (and `--json`
 * output stays parseable).
 */
export async function withShoebox(work: (shoebox: Shoebox) => Promise<void>): Promise<void> {
  const config = readConfig();
  const shoebox = await openShoebox(config, createLogger(config.logLevel, process.stderr), { create: false });
  try {
    await work(shoebox);
  } finally {
    await shoebox.close();
  }
}

/** Prints text as it is and anything else as indented JSON. */
export const print = (value: unknown): void => {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
};
