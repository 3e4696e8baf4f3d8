import { Type } from 'typebox';
import { Timestamp } from '../http/schemas.js';
import { MAX_JWT_LENGTH } from './jwt-checks.js';

const IdentityId = Type.String({ description: 'The identity id, stable across logins and linking', examples: ['id_x4Qm2rWc9dAa0Tq7'] });

export const TokenPairSchema = Type.Object(
  {
    identityId: IdentityId,
    accessToken: Type.String({ description: 'A JWT to send as "Authorization: Bearer <accessToken>"; short-lived' }),
    refreshToken: Type.String({ description: 'Single-use: exchange it at POST /v1/identities/refresh for a new pair' }),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  },
  { title: 'TokenPair', additionalProperties: false },
);

export const LoginResultSchema = Type.Object(
  {
    ...TokenPairSchema.properties,
    mergedFrom: Type.Union([Type.String(), Type.Null()], {
      description: 'The guest identity (from the bearer token sent) whose data moved into this identity, which already had the login',
    }),
  },
  { title: 'LoginResult', additionalProperties: false },
);

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254, description: 'Compared without regard to case' });

export const SignUpSchema = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 8, maxLength: 256, description: '8 to 256 characters' }),
  },
  { title: 'SignUpInput', additionalProperties: false },
);

export const LoginSchema = Type.Object(
  {
    provider: Type.String({
      minLength: 1,
      maxLength: 32,
      pattern: '^[a-z0-9][a-z0-9_-]*$',
      description: '"password", or the name of a configured OpenID provider',
    }),
    email: Type.Optional(Email),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    idToken: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_JWT_LENGTH, description: "The provider's ID token (JWT)" })),
    nonce: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description:
          'The raw nonce the app made for this sign-in; the provider was given its SHA-256 in lowercase hex, which the idToken must carry as its nonce. Required when the idToken has a nonce.',
      }),
    ),
  },
  {
    title: 'LoginInput',
    additionalProperties: false,
    description: 'With provider "password": email and password. With an OpenID provider: idToken, and nonce when the sign-in used one.',
  },
);

export const RefreshSchema = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 4096 }) },
  { title: 'RefreshInput', additionalProperties: false },
);

export const DeveloperLoginSchema = Type.Object(
  {
    developerUserId: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[\\x21-\\x7e]+$',
      description: "Your backend's id for the user",
    }),
    identityId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'A guest identity to link to this user (its data is kept or merged)' }),
    ),
  },
  { title: 'DeveloperLoginInput', additionalProperties: false },
);

const LoginInfoSchema = Type.Object(
  {
    provider: Type.String({ description: '"password", "developer" or an OpenID provider name' }),
    subject: Type.String({ description: 'The email, developer user id, or OpenID subject' }),
    linkedAt: Timestamp,
  },
  { title: 'IdentityLogin', additionalProperties: false },
);

export const IdentitySchema = Type.Object(
  {
    identityId: IdentityId,
    kind: Type.Union([Type.Literal('guest'), Type.Literal('authenticated')]),
    state: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    createdAt: Timestamp,
    disabledAt: Type.Union([Timestamp, Type.Null()]),
    mergedInto: Type.Union([Type.String(), Type.Null()], { description: 'Set when this guest was merged into another identity' }),
    logins: Type.Array(LoginInfoSchema),
  },
  { title: 'Identity', additionalProperties: false },
);

export const IdentityPageSchema = Type.Object(
  {
    identities: Type.Array(IdentitySchema),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' }),
  },
  { title: 'IdentityPage', additionalProperties: false },
);

export const ListQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const IdentityIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

export const JwksSchema = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          kty: Type.String(),
          crv: Type.String(),
          x: Type.String(),
          kid: Type.String(),
          alg: Type.String(),
          use: Type.Literal('sig'),
        },
        // Only these members are ever serialised: private key parts cannot leak through this route.
        { title: 'Jwk', additionalProperties: false },
      ),
    ),
  },
  { title: 'Jwks', additionalProperties: false },
);
