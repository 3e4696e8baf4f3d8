import { Problem } from '../errors.js';
import type { Change } from './change.js';
import type { ChangeClaims } from './claims.js';

/**
 * PostgreSQL's claims are not built yet (issue 6: reading that no late commit can overtake, see
 * claims.ts). Until then a PostgreSQL Shoebox records every change in the outbox but never takes
 * a lease, so its processor delivers nothing, and in particular skips nothing: the changes wait
 * in the outbox for the real implementation.
 */
export class PostgresChangeClaims implements ChangeClaims {
  async lease(): Promise<boolean> {
    return false;
  }

  async release(): Promise<void> {}

  async next(): Promise<Change[]> {
    throw notYet();
  }

  async advance(): Promise<boolean> {
    throw notYet();
  }
}

const notYet = () =>
  new Problem('unavailable', 'The change stream is not processed on PostgreSQL yet. Use the embedded engine for notes search.');
