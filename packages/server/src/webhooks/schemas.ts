import { Type } from 'typebox';
import { Timestamp } from '../http/schemas.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './events.js';

const EventType = Type.Unsafe<WebhookEventType>({ type: 'string', enum: [...WEBHOOK_EVENT_TYPES], description: 'An event type' });
const Events = Type.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true });
const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  format: 'uri',
  description: 'Where deliveries are POSTed (http or https); private, loopback and link-local targets are refused',
});
const Description = Type.String({ maxLength: 200, description: 'What the webhook is for' });

export const WebhookIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const DeliveryParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }), deliveryId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const CreateWebhookSchema = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description) },
  { additionalProperties: false },
);

export const UpdateWebhookSchema = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    paused: Type.Optional(Type.Boolean({ description: 'Paused webhooks queue deliveries and send them once resumed' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RotateSecretSchema = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 7 * 86_400,
        default: 86_400,
        description: 'How long the old secret keeps signing beside the new one (default one day)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const WebhookSchema = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    events: Type.Array(EventType),
    description: Type.String(),
    paused: Type.Boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    previousSecretExpiresAt: Type.Union([Timestamp, Type.Null()], {
      description: 'Until when the secret before the last rotation signs too',
    }),
  },
  { additionalProperties: false },
);

export const CreatedWebhookSchema = Type.Object(
  { ...WebhookSchema.properties, secret: Type.String({ description: 'The signing secret, shown only now' }) },
  { additionalProperties: false },
);

const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]);

export const DeliveryQuery = Type.Object(
  {
    status: Type.Optional(DeliveryStatus),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);

export const DeliverySchema = Type.Object(
  {
    id: Type.String({ description: 'The delivery id: the body `id` and the Shoebox-Delivery header' }),
    seq: Type.Integer({ description: 'The change stream position of the event' }),
    type: EventType,
    status: DeliveryStatus,
    attempts: Type.Integer(),
    lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    latencyMs: Type.Union([Type.Integer(), Type.Null()], { description: 'Of the last attempt' }),
    createdAt: Timestamp,
    nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
    finishedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

export const RedriveSchema = Type.Object({ redriven: Type.Integer() }, { additionalProperties: false });
