import { BoundedMap } from '../shared/bounded-map.js';

/** Groups of tables that processes keep copies of: a change to any table of a group invalidates its copies. */
export type CacheGroup = 'api_keys' | 'identities' | 'signing_keys';

/**
 * Tells a process's caches whether what they copied from the database may have changed since. A
 * group's generation moves whenever a change to one of its tables commits, in this process or any
 * other, CLI included (migration 016 puts the triggers in the database itself, so no write can
 * forget). A value read from the database may be reused for as long as the generation taken
 * before reading it is still current. One implementation per engine.
 */
export interface CacheGenerations {
  /** The group's generation now, or undefined when this process cannot tell: then nothing cached may be used. */
  current(group: CacheGroup): number | undefined;
  /**
   * This process has just committed a change to the group: its own next request must not be
   * served from a copy while the engine's notice is still on its way. Resolves once the notice
   * has gone out to the other processes too, so the change may be acknowledged to its client.
   */
  committed(group: CacheGroup): Promise<void>;
  close(): Promise<void>;
}

interface Entry<V> {
  readonly value: V;
  readonly generation: number;
}

/**
 * Values read from the database, each reused while its group's generation has not moved since it
 * was read; at most `maxEntries` (the oldest go first).
 */
export class GenerationCache<V> {
  private readonly entries: BoundedMap<string, Entry<V>>;

  constructor(
    private readonly generations: CacheGenerations,
    private readonly group: CacheGroup,
    maxEntries: number,
  ) {
    this.entries = new BoundedMap(maxEntries);
  }

  /** The value for `key`: remembered, or read with `read` and remembered. */
  async get(key: string, read: () => Promise<V>): Promise<V> {
    // Taken before reading: a change committed meanwhile moves the generation past it, so the copy is never trusted.
    const generation = this.generations.current(this.group);
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.generation === generation) return entry.value;
    const value = await read();
    if (generation !== undefined) this.entries.set(key, { value, generation });
    return value;
  }
}
