import type { ShoeboxMigration } from '../migrate.js';
import { apiKeys } from './001-api-keys.js';
import { identities } from './002-identities.js';
import { photos } from './003-photos.js';

/** Applied in this order; names sort the same way. Never edit a released migration: add one. */
export const migrations: readonly ShoeboxMigration[] = [apiKeys, identities, photos];
