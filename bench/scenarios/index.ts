import type { BenchScenario } from '../lib.js';
import { atRest } from './at-rest.js';
import { gateway } from './gateway.js';
import { httpProcesses } from './http-processes.js';
import { identities } from './identities.js';
import { notes } from './notes.js';
import { notesImport } from './notes-import.js';
import { notesPostgres } from './notes-postgres.js';
import { photoFlow } from './photo-flow.js';
import { photoQuota } from './photo-quota.js';
import { photoMemory, photoUpload, thumbnails } from './photos.js';
import { search, searchPostgres } from './search.js';
import { streamFanout } from './stream-fanout.js';

/** Every benchmark, in the order `npm run bench` runs them. Add a scenario module here. */
export const scenarios: readonly BenchScenario[] = [
  gateway,
  identities,
  notes,
  httpProcesses,
  notesImport,
  search,
  notesPostgres,
  searchPostgres,
  photoUpload,
  photoFlow,
  photoMemory,
  photoQuota,
  thumbnails,
  atRest,
  streamFanout,
];
