import { type Static, type TSchema, Type } from 'typebox';
import type { NoteLimits } from '../config/config.js';
import { ProblemRef, Timestamp } from '../http/schemas.js';

export const MAX_PHOTOS_PER_NOTE = 10;
export const MAX_LIST_LIMIT = 100;

/** Ids chosen by clients: a UUID or 1–64 of letters, digits, `_` and `-`. */
const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** No control characters but tab and line breaks (search highlights use control characters as markers). */
const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
/** One line with at least one visible character, no control characters. */
const HEADLINE_PATTERN = '^(?=[\\s\\S]*\\S)[^\\u0000-\\u001F\\u007F]*$';

export const NoteIdSchema = Type.String({ pattern: ID_PATTERN, description: 'A UUID or 1–64 of A–Z, a–z, 0–9, `_` and `-`' });
const VisibilitySchema = Type.Union([Type.Literal('private'), Type.Literal('public')], {
  description: '`private` (default): only you; `public`: found by everyone searching with scope=public',
});
const PhotoIdsSchema = Type.Array(Type.String({ pattern: ID_PATTERN }), {
  maxItems: MAX_PHOTOS_PER_NOTE,
  uniqueItems: true,
  description: `Photos the note refers to, at most ${MAX_PHOTOS_PER_NOTE}`,
});

/** The note schemas for the configured bounds, so the OpenAPI document states the bounds in force. */
export function noteSchemas(limits: NoteLimits) {
  const headline = Type.String({
    minLength: 1,
    maxLength: limits.headlineMaxLength,
    pattern: HEADLINE_PATTERN,
    description: `1–${limits.headlineMaxLength} characters on one line; surrounding spaces are trimmed`,
  });
  const text = Type.String({
    maxLength: limits.textMaxLength,
    pattern: TEXT_PATTERN,
    description: `Up to ${limits.textMaxLength} characters`,
  });
  const content = { headline, text, photoIds: Type.Optional(PhotoIdsSchema), visibility: Type.Optional(VisibilitySchema) };

  const CreateNote = Type.Object(
    { noteId: Type.Optional(NoteIdSchema), ...content },
    {
      title: 'NoteInput',
      additionalProperties: false,
      description: 'The reference model’s `{noteId, headline, text}` is accepted as it is',
    },
  );
  const PutNote = Type.Object(
    { noteId: Type.Optional({ ...NoteIdSchema, description: 'If present, must equal the id in the path' }), ...content },
    { title: 'NoteReplacement', additionalProperties: false },
  );
  const PatchNote = Type.Object(
    {
      headline: Type.Optional(headline),
      text: Type.Optional(text),
      photoIds: Type.Optional(PhotoIdsSchema),
      visibility: Type.Optional(VisibilitySchema),
    },
    { title: 'NotePatch', additionalProperties: false, minProperties: 1, description: 'Only the fields given change' },
  );
  return { CreateNote, PutNote, PatchNote };
}

export const NoteSchema = Type.Object(
  {
    noteId: Type.String(),
    headline: Type.String(),
    text: Type.String(),
    photoIds: Type.Array(Type.String()),
    visibility: VisibilitySchema,
    version: Type.Integer({ minimum: 1, description: 'Increases with every write; the ETag is `"v<version>"`' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  // No $id / addSchema: adding a schema inside a plugin makes Fastify rebuild that plugin's
  // validator from its default Ajv, dropping the app's strict body compiler. The title names it
  // in the OpenAPI document's components.
  { title: 'Note', additionalProperties: false },
);

export const NoteListSchema = Type.Object(
  {
    notes: Type.Array(NoteSchema),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
  },
  { title: 'NotePage', additionalProperties: false },
);

export const NoteParams = Type.Object({ noteId: NoteIdSchema }, { additionalProperties: false });

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: MAX_LIST_LIMIT, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    photoId: Type.Optional(Type.String({ pattern: ID_PATTERN, description: 'Only notes referring to this photo' })),
  },
  { additionalProperties: false },
);

const Tag = Type.String({ maxLength: 1000 });
export const CreateHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7E]+$',
      description: 'Makes a retried POST return the first answer instead of creating again (remembered 24 hours)',
    }),
  ),
});
export const WriteHeaders = Type.Object({
  'if-match': Type.Optional({
    ...Tag,
    description:
      'Write only if the note is still at this ETag, sent as the ETag header gave it (`"v3"`, quotes included, never the bare version), or `*`: if it exists; 412 otherwise, naming the current ETag',
  }),
  'if-none-match': Type.Optional({ ...Tag, description: 'PUT only: `*` creates, never replaces; 412 if the note exists' }),
});
export const ReadHeaders = Type.Object({
  'if-none-match': Type.Optional({ ...Tag, description: '304 when the note is still at this ETag' }),
});

export type NoteSchemas = ReturnType<typeof noteSchemas>;
export type CreateNoteBody = Static<NoteSchemas['CreateNote']>;

/** Most notes one POST /v1/notes/batch takes. */
export const MAX_BATCH_NOTES = 100;

/**
 * The batch body as documented (each item a CreateNote) and as checked before any work: only the
 * envelope, so that a bad item fails alone, with its own problem, rather than the whole batch.
 */
export function batchSchemas({ CreateNote }: NoteSchemas) {
  const envelope = (item: TSchema) =>
    Type.Object(
      { notes: Type.Array(item, { minItems: 1, maxItems: MAX_BATCH_NOTES, description: `1–${MAX_BATCH_NOTES} notes` }) },
      { title: 'NoteBatch', additionalProperties: false },
    );
  const result = (outcome: string, status: number, description: string) =>
    Type.Object(
      { outcome: Type.Literal(outcome), status: Type.Literal(status), etag: Type.String(), note: NoteSchema },
      { additionalProperties: false, description },
    );
  const BatchResult = Type.Union([
    result('created', 201, 'Created, as POST /v1/notes answers 201'),
    result('replayed', 200, 'You already had a note under this noteId with the same content: it is answered as it is'),
    Type.Object(
      { outcome: Type.Literal('failed'), status: Type.Integer({ minimum: 400, maximum: 499 }), problem: ProblemRef },
      { additionalProperties: false, description: 'Not written, for the reason the problem gives; the other notes are not affected' },
    ),
  ]);
  return {
    BatchBody: envelope(CreateNote),
    BatchEnvelope: envelope(Type.Object({}, { additionalProperties: true })),
    BatchAnswer: Type.Object(
      { results: Type.Array(BatchResult, { description: 'One per note sent, in the same order' }) },
      { title: 'NoteBatchResults', additionalProperties: false },
    ),
  };
}
