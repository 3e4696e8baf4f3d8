import type { ShoeboxMigration } from '../migrate.js';
import { apiKeys } from './001-api-keys.js';
import { photos } from './002-photos.js';

/** Applied in this order; names sort the same way. Never edit a released migration: add one. */
export const migrations: readonly ShoeboxMigration[] = [apiKeys, photos];
