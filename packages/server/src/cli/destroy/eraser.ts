/**
 * What `shoebox destroy` asks of each engine Shoebox writes to. An eraser is opened only once its
 * engine has answered, so every engine is known to be reachable before anything is removed.
 */
export interface Eraser {
  /** The engine, for the progress bar: `PostgreSQL`, `S3`, `Redis`, `the data folder`. */
  readonly name: string;
  /** Where it looks, for messages: the data folder, a schema, a bucket and prefix, a key prefix. */
  readonly place: string;
  /** What Shoebox left there, one finding per line shown before asking; empty when nothing. Reads only. */
  survey(): Promise<Finding[]>;
  /**
   * Removes everything of Shoebox's in its place, including what was written since the survey,
   * and nothing else. Idempotent: after a failure, running it again finishes the work.
   * Erasers that remove in batches report each batch's size to `removed`, for a progress bar.
   */
  erase(removed: (items: number) => void): Promise<void>;
  /**
   * The Shoebox processes using this place now, one line each, for engines that can tell: destroy
   * refuses while there are any, since a process still running would keep answering and acknowledge
   * writes that are then lost.
   */
  inUse?(): Promise<string[]>;
  close(): Promise<void>;
}

export interface Finding {
  /** One line: what and where, with its size, e.g. `PostgreSQL schema "shoebox" at postgres://…: 14 table(s)`. */
  readonly description: string;
  /** How many things removing it takes (tables, objects, keys, files): the progress bar's total. */
  readonly items: number;
}
