import type { NoteLimits } from '../config/config.js';
import type { Register } from '../http/capability.js';
import type { BatchUsage } from '../keys/batch-usage.js';
import { noteBatchRoutes } from './batch-routes.js';
import { noteRoutes } from './routes.js';
import type { NotesService } from './service.js';

export interface NoteRouteServices {
  readonly notes: NotesService;
  readonly limits: NoteLimits;
  /** Counts a batch against its API key's plan as the calls it stands for (the API gateway's). */
  readonly batchUsage: BatchUsage;
}

/** The notes API: the caller's own notes, one at a time or in batches. */
export const registerNotes: Register<NoteRouteServices> = (scopes, { notes, limits, batchUsage }) => {
  scopes.identified.add(noteRoutes(notes, limits));
  scopes.identified.add(noteBatchRoutes(notes, limits, batchUsage));
};
