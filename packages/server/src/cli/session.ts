import { openShoebox, type Shoebox } from '../runtime/shoebox.js';
import { readConfig } from './config-command.js';

/** Commands that work on the data folder directly open Shoebox, do their work, and close it. */
export async function withShoebox(work: (shoebox: Shoebox) => Promise<void>): Promise<void> {
  const shoebox = await openShoebox(readConfig());
  try {
    await work(shoebox);
  } finally {
    await shoebox.close();
  }
}

export const print = (value: unknown): void => {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
};
