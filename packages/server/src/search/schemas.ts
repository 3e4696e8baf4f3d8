import { Type } from 'typebox';
import { Timestamp } from '../http/schemas.js';
import { QUERY_MAX_LENGTH } from './query.js';
import { SUGGEST_LIMIT } from './service.js';

export const MAX_SEARCH_LIMIT = 50;
const SUGGEST_MAX_LENGTH = 100;

const QUERY_HELP =
  'Words (all must match), "exact phrases", -excluded words, prefix* (at least 2 letters) and OR between two terms. ' +
  'Case and accents are ignored and English words match their other forms (run, runs, running).';

export const SearchQuerySchema = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: QUERY_MAX_LENGTH, description: QUERY_HELP }),
    limit: Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 10 }),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 300, description: 'nextCursor of the previous page, with the same q and scope' }),
    ),
    scope: Type.Union([Type.Literal('mine'), Type.Literal('public')], {
      default: 'mine',
      description: '`mine` (default): your notes; `public`: public notes of everyone',
    }),
  },
  { additionalProperties: false },
);

export const SuggestQuerySchema = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: SUGGEST_MAX_LENGTH, description: 'What the user typed so far; its last word is completed' }),
  },
  { additionalProperties: false },
);

const Highlighted = Type.String({ description: 'HTML-escaped, with matches wrapped in <mark></mark>' });

export const SearchResultSchema = Type.Object(
  {
    hits: Type.Array(
      Type.Object(
        {
          noteId: Type.String(),
          headline: Type.String(),
          text: Type.String(),
          visibility: Type.Union([Type.Literal('private'), Type.Literal('public')]),
          highlights: Type.Object(
            {
              headline: { ...Highlighted, description: 'The whole headline, highlighted' },
              text: { ...Highlighted, description: 'A snippet of the text, highlighted' },
            },
            { title: 'SearchHighlights', additionalProperties: false },
          ),
          score: Type.Number({ description: 'Relevance; higher is better. Headline matches weigh more than text matches' }),
          updatedAt: Timestamp,
        },
        { title: 'SearchHit', additionalProperties: false },
      ),
    ),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
  },
  { title: 'SearchPage', additionalProperties: false },
);

export const SuggestResultSchema = Type.Object(
  {
    suggestions: Type.Array(
      Type.Object(
        { kind: Type.Union([Type.Literal('term'), Type.Literal('headline')]), value: Type.String() },
        { title: 'Suggestion', additionalProperties: false },
      ),
      { maxItems: SUGGEST_LIMIT, description: 'Words from your notes that complete the last word typed, then headlines of matching notes' },
    ),
  },
  { title: 'Suggestions', additionalProperties: false },
);
