import { Type } from 'typebox';

/** A cursor: a stream position, as the feed's `cursor` and the realtime stream's event ids give it. */
export const Cursor = Type.String({ pattern: '^[0-9]{1,15}$', description: 'A cursor from an earlier answer (or an event id)' });

export const ChangesQuery = Type.Object(
  {
    since: Type.Optional(Cursor),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);

export const ChangesPageSchema = Type.Object(
  {
    changes: Type.Array(
      Type.Object({
        type: Type.Union([Type.Literal('note'), Type.Literal('photo')]),
        id: Type.String({ description: 'The noteId or photoId' }),
        data: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
          description: 'The note or photo as it is now (as GET returns it), or null when it was deleted',
        }),
      }),
    ),
    cursor: Type.String({ description: 'Pass as `since` to read on' }),
    hasMore: Type.Boolean({ description: 'Whether more changes wait: call again at once' }),
  },
  { additionalProperties: false },
);

export const StreamQuery = Type.Object(
  {
    public: Type.Boolean({ default: false, description: "Also push every identity's public notes" }),
  },
  { additionalProperties: false },
);
