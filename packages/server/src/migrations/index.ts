import { apiKeys } from './001-api-keys.js';
import { identities } from './002-identities.js';
import { stream } from './003-stream.js';
import { notes } from './004-notes.js';
import { search } from './005-search.js';
import { photos } from './006-photos.js';
import { streamPostgres } from './007-stream-postgres.js';
import { searchPostgres } from './008-search-postgres.js';
import { photoOriginalEtag } from './009-photo-original-etag.js';
import { noteKeysPerOwner } from './010-note-keys-per-owner.js';
import { photoApiKeys } from './011-photo-api-keys.js';
import { sessionLoginsAndSecrets } from './012-session-logins-and-secrets.js';
import { searchPostings } from './013-search-postings.js';
import { streamMembersAndGinPendingList } from './014-stream-members-and-gin-pending-list.js';
import { cacheGenerations } from './016-cache-generations.js';
import { webhooksAndChangeFeed } from './017-webhooks-and-change-feed.js';
import { accountsAndMail } from './018-accounts-and-mail.js';
import { noteAnswerOutcomes } from './019-note-answer-outcomes.js';
import { photoUsage } from './020-photo-usage.js';
import type { ShoeboxMigration } from './migrate.js';

/** Applied in this order; names sort the same way. Never edit a released migration: add one. */
export const migrations: readonly ShoeboxMigration[] = [
  apiKeys,
  identities,
  stream,
  notes,
  search,
  photos,
  streamPostgres,
  searchPostgres,
  photoOriginalEtag,
  noteKeysPerOwner,
  photoApiKeys,
  sessionLoginsAndSecrets,
  searchPostings,
  streamMembersAndGinPendingList,
  cacheGenerations,
  accountsAndMail,
  webhooksAndChangeFeed,
  noteAnswerOutcomes,
  photoUsage,
];
