import { openShoebox, type Shoebox } from '../runtime/shoebox.js';
import { readConfig } from './config-command.js';

/** Runs a CLI action against the configured data folder, closing it afterwards. */
export async function withShoebox(work: (shoebox: Shoebox) => Promise<void>): Promise<void> {
  const shoebox = await openShoebox(readConfig());
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
