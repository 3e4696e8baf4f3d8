import { sql } from 'kysely';
import type { UntypedDb } from '../db/database.js';
import type { ShoeboxMigration } from './migrate.js';

/**
 * Both engines: note ids become per identity. A note is named by (owner_id, note_id) in notes,
 * note_photos and search_documents, so another identity's id behaves exactly like an unused one
 * (before, it answered 409 and a tombstone kept it reserved forever). Existing rows keep their
 * values: ids were unique across identities, so they are unique per identity too.
 *
 * PostgreSQL swaps the constraints in place. SQLite cannot drop a primary key or a column's unique
 * constraint, so each table is rebuilt: created anew, filled, the old one dropped (its indexes and
 * triggers with it), the new one renamed, its indexes and triggers made again. search_documents
 * keeps its doc_ids, so SQLite's FTS5 index (whose rowids they are) stays valid untouched.
 *
 * The change stream also gets an index by owner, for scrubbing a deleted identity's words from its
 * change images, and the images already recorded are scrubbed as the code now writes them:
 * removals of notes carry no words, nor do notes of identities that were deleted or merged away.
 */
export const noteKeysPerOwner: ShoeboxMigration = {
  name: '010-note-keys-per-owner',
  async up(db, engine) {
    if (engine === 'postgres') await swapPostgresKeys(db);
    else await rebuildSqliteTables(db);
    await db.schema.createIndex('stream_changes_owner').on('stream_changes').columns(['owner_id', 'entity', 'seq']).execute();
    await scrubRecordedWords(db);
  },
};

async function swapPostgresKeys(db: UntypedDb): Promise<void> {
  await sql`alter table notes drop constraint notes_pkey, add constraint notes_pk primary key (owner_id, note_id)`.execute(db);
  await sql`alter table note_photos drop constraint note_photos_pk,
    add constraint note_photos_pk primary key (owner_id, note_id, photo_id)`.execute(db);
  await sql`alter table search_documents drop constraint search_documents_note_id_key,
    add constraint search_documents_owner_note unique (owner_id, note_id)`.execute(db);
}

async function rebuildSqliteTables(db: UntypedDb): Promise<void> {
  await rebuild(
    db,
    'notes',
    ['note_id', 'owner_id', 'headline', 'text', 'photo_ids', 'visibility', 'version', 'created_at', 'updated_at', 'deleted_at'],
    (table) =>
      table
        .addColumn('note_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('headline', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('photo_ids', 'text', (c) => c.notNull())
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .addPrimaryKeyConstraint('notes_pk', ['owner_id', 'note_id']),
  );
  await db.schema.createIndex('notes_owner_created').on('notes').columns(['owner_id', 'created_at', 'note_id']).execute();

  await rebuild(db, 'note_photos', ['note_id', 'photo_id', 'owner_id'], (table) =>
    table
      .addColumn('note_id', 'text', (c) => c.notNull())
      .addColumn('photo_id', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('note_photos_pk', ['owner_id', 'note_id', 'photo_id']),
  );
  await db.schema.createIndex('note_photos_owner_photo').on('note_photos').columns(['owner_id', 'photo_id']).execute();

  const documentColumns = [
    'doc_id',
    'note_id',
    'owner_id',
    'visibility',
    'version',
    'headline',
    'text',
    'scope',
    'updated_at',
    'removed_at',
  ];
  await rebuild(db, 'search_documents', documentColumns, (table) =>
    table
      .addColumn('doc_id', 'integer', (c) => c.primaryKey())
      .addColumn('note_id', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('headline', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('removed_at', 'bigint')
      .addUniqueConstraint('search_documents_owner_note', ['owner_id', 'note_id']),
  );
  // The triggers that keep FTS5 in step, as migration 005 made them (written out again: a released
  // migration's code is never shared, so editing one can never change another).
  await sql`create trigger search_documents_ai after insert on search_documents begin
    insert into search_fts(rowid, headline, text, scope) values (new.doc_id, new.headline, new.text, new.scope);
  end`.execute(db);
  await sql`create trigger search_documents_ad after delete on search_documents begin
    insert into search_fts(search_fts, rowid, headline, text, scope) values ('delete', old.doc_id, old.headline, old.text, old.scope);
  end`.execute(db);
  await sql`create trigger search_documents_au after update of headline, text, scope on search_documents begin
    insert into search_fts(search_fts, rowid, headline, text, scope) values ('delete', old.doc_id, old.headline, old.text, old.scope);
    insert into search_fts(rowid, headline, text, scope) values (new.doc_id, new.headline, new.text, new.scope);
  end`.execute(db);
}

type TableBuilder = ReturnType<UntypedDb['schema']['createTable']>;

/** Replaces `table` by one `define` describes, with the same rows (the old one's indexes and triggers go with it). */
async function rebuild(db: UntypedDb, table: string, columns: readonly string[], define: (table: TableBuilder) => TableBuilder) {
  const next = `${table}_next`;
  await define(db.schema.createTable(next)).execute();
  const list = sql.join(columns.map((column) => sql.ref(column)));
  await sql`insert into ${sql.table(next)} (${list}) select ${list} from ${sql.table(table)}`.execute(db);
  await db.schema.dropTable(table).execute();
  await db.schema.alterTable(next).renameTo(table).execute();
}

const SCRUB_CHUNK = 500;

/**
 * Blanks headline and text in the note images recorded so far that the code now writes without
 * them, a chunk of rows at a time: removals, and changes of owners no longer active (deleted, or
 * merged into another identity, whose notes moved on under new changes). The rows stay, so every
 * consumer still gets every change in order; a blanked insert is followed by its removal.
 */
async function scrubRecordedWords(db: UntypedDb): Promise<void> {
  let after = 0;
  for (;;) {
    const rows: { seq: number; old_image: string | null; new_image: string | null }[] = await db
      .selectFrom('stream_changes')
      .select(['seq', 'old_image', 'new_image'])
      .where('entity', '=', 'note')
      .where('seq', '>', after)
      .where((eb) =>
        eb.or([
          eb('op', '=', 'REMOVE'),
          eb('owner_id', 'not in', eb.selectFrom('identities').select('id').where('merged_into', 'is', null)),
        ]),
      )
      .orderBy('seq')
      .limit(SCRUB_CHUNK)
      .execute();
    const last = rows.at(-1);
    if (!last) return;
    for (const row of rows) {
      await db
        .updateTable('stream_changes')
        .set({ old_image: blanked(row.old_image), new_image: blanked(row.new_image) })
        .where('seq', '=', row.seq)
        .execute();
    }
    after = Number(last.seq);
  }
}

const blanked = (image: string | null): string | null =>
  image === null ? null : JSON.stringify({ ...JSON.parse(image), headline: '', text: '' });
