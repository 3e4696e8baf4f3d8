/**
 * Where the client keeps the identity's tokens between app launches. `localStorage`,
 * `sessionStorage` and React Native's `AsyncStorage` fit as they are; any store with these three
 * methods, synchronous or not, does.
 */
export interface TokenStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** Tokens kept in memory only: a new guest on every start. The default when no storage is given. */
export function memoryStorage(): TokenStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}
