import { type Static, Type } from 'typebox';
import { Timestamp } from '../http/schemas.js';

export const RateLimitSchema = Type.Object(
  {
    rate: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Tokens added per second' }),
    burst: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Bucket capacity: requests allowed at once' }),
  },
  { title: 'RateLimit', additionalProperties: false },
);

export const QuotaSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 2_000_000_000, description: 'Requests allowed per period' }),
    period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
      description: 'UTC calendar period; weeks start on Monday',
    }),
  },
  { title: 'Quota', additionalProperties: false },
);

export const PlanInputSchema = Type.Object(
  {
    rateLimit: Type.Optional(Type.Partial(RateLimitSchema, { additionalProperties: false })),
    quota: Type.Optional(Type.Union([QuotaSchema, Type.Null()], { description: 'null removes the quota' })),
  },
  { title: 'PlanInput', additionalProperties: false },
);

export const CreateKeySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'What the key is for, e.g. "iOS app"' }),
    rateLimit: Type.Optional(RateLimitSchema),
    quota: Type.Optional(Type.Union([QuotaSchema, Type.Null()])),
  },
  { title: 'ApiKeyInput', additionalProperties: false },
);

export const UsageSchema = Type.Object(
  {
    used: Type.Integer(),
    limit: Type.Integer(),
    period: Type.String(),
    resetsAt: Timestamp,
  },
  { title: 'QuotaUsage' },
);

export const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the secret' }),
    rateLimit: RateLimitSchema,
    quota: Type.Union([QuotaSchema, Type.Null()]),
    createdAt: Timestamp,
    revokedAt: Type.Union([Timestamp, Type.Null()]),
    usage: Type.Optional(Type.Union([UsageSchema, Type.Null()], { description: 'Quota usage this period' })),
  },
  { title: 'ApiKey', additionalProperties: false },
);

export const CreatedKeySchema = Type.Object(
  {
    ...ApiKeySchema.properties,
    key: Type.String({ description: 'The secret. Shown once: store it now.' }),
  },
  { title: 'NewApiKey' },
);

export const KeyIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export type CreateKeyBody = Static<typeof CreateKeySchema>;
export type PlanInput = Static<typeof PlanInputSchema>;
