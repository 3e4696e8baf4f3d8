/**
 * A Map that holds at most `maxEntries`: setting a key makes it the newest, and setting one more
 * than it holds drops the oldest (Maps iterate in insertion order). For per-process caches.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly maxEntries: number) {
    super();
  }

  override set(key: K, value: V): this {
    this.delete(key);
    if (this.size >= this.maxEntries) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}
