import { expect } from 'vitest';
import type { TestServer } from './harness.js';
import { expectProblem } from './identity.js';

/** Every note row and change record: what a refused request must leave as it was. */
export async function notesSnapshot(server: TestServer): Promise<unknown[]> {
  const { db } = server.server.shoebox.database;
  return [
    await db.selectFrom('notes').selectAll().orderBy('owner_id').orderBy('note_id').execute(),
    await db.selectFrom('stream_changes').selectAll().orderBy('seq').execute(),
  ];
}

/** Expects `request` to be refused with this problem and to leave every note and change as it was; answers the problem. */
export async function expectRefusedUnchanged(server: TestServer, request: () => Promise<Response>, status: number, code: string) {
  const before = await notesSnapshot(server);
  const body = await expectProblem(await request(), status, code);
  expect(await notesSnapshot(server)).toEqual(before);
  return body;
}
