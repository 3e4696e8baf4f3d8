import type { ShoeboxMigration } from '../migrate.js';
import { apiKeys } from './001-api-keys.js';
import { stream } from './002-stream.js';
import { notes } from './003-notes.js';
import { search } from './004-search.js';

/** Applied in this order; names sort the same way. Never edit a released migration: add one. */
export const migrations: readonly ShoeboxMigration[] = [apiKeys, stream, notes, search];
