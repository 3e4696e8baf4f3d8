import { type Kysely, sql } from 'kysely';
import type { Tables } from './database.js';

/** Writes one commit takes at most, so a long queue still commits (and answers) in steps. */
const MAX_GROUP = 64;

interface Waiting {
  readonly work: (trx: Kysely<Tables>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Writing transactions of one process, committed together. SQLite runs one transaction at a time
 * on the connection, and a commit costs more than a small write (its pages go to the WAL): so the
 * writes that queued while one transaction ran go into the next one together, each in a savepoint
 * of its own, and commit once. One write alone runs at once, as a plain transaction. Each write's
 * outcome is its own: one that throws is rolled back to its savepoint and rejects, the others
 * commit; every write resolves only after the commit that holds it.
 */
export class GroupCommit {
  private readonly waiting: Waiting[] = [];
  private draining = false;

  constructor(private readonly db: Kysely<Tables>) {}

  write<T>(work: (trx: Kysely<Tables>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.draining) return;
      this.draining = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, MAX_GROUP);
        const [only] = group;
        if (group.length === 1 && only) await this.db.transaction().execute(only.work).then(only.resolve, only.reject);
        else await this.commitTogether(group);
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitTogether(group: readonly Waiting[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const { work } of group) outcomes.push(await inSavepoint(trx, work));
      });
    } catch (error) {
      for (const { reject } of group) reject(error);
      return;
    }
    group.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) resolve(outcome.value);
      else reject(outcome?.error);
    });
  }
}

async function inSavepoint(trx: Kysely<Tables>, work: (trx: Kysely<Tables>) => Promise<unknown>): Promise<Outcome> {
  await sql`savepoint grouped_write`.execute(trx);
  try {
    const value = await work(trx);
    await sql`release grouped_write`.execute(trx);
    return { ok: true, value };
  } catch (error) {
    await sql`rollback to grouped_write`.execute(trx);
    await sql`release grouped_write`.execute(trx);
    return { ok: false, error };
  }
}
