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
    emailVerified: Type.Boolean({
      description:
        'Whether the email of its password login was proven (a verification or reset link); also the access token claim email_verified',
    }),
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
    email: Type.Optional({
      ...Email,
      description: 'Only the identity whose password login has this email (compared without regard to case)',
    }),
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

const AccountToken = Type.String({
  minLength: 10,
  maxLength: 100,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'The token of the link mailed (its `token` parameter), also shown in the message as a code to paste',
});
const NewPassword = Type.String({ minLength: 8, maxLength: 256, description: '8 to 256 characters' });

export const AccountTokenSchema = Type.Object({ token: AccountToken }, { additionalProperties: false });

export const PasswordResetSchema = Type.Object({ email: Email }, { additionalProperties: false });

export const PasswordResetConfirmSchema = Type.Object({ token: AccountToken, newPassword: NewPassword }, { additionalProperties: false });

export const PasswordChangeSchema = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 256 }), newPassword: NewPassword },
  { additionalProperties: false },
);

export const EmailChangeSchema = Type.Object(
  { newEmail: Email, password: Type.String({ minLength: 1, maxLength: 256, description: 'The current password' }) },
  { additionalProperties: false },
);

export const VerifiedEmailSchema = Type.Object(
  { identityId: IdentityId, email: Type.String({ description: 'The address now proven, normalised' }) },
  { additionalProperties: false },
);

export const AcceptedSchema = Type.Object(
  { status: Type.Literal('accepted', { description: 'The request was taken; a message is sent if there is anyone to send it to' }) },
  { additionalProperties: false },
);

const MfaCode = Type.String({
  minLength: 6,
  maxLength: 32,
  pattern: '^[A-Za-z0-9 -]+$',
  description: 'The six digits of the authenticator app, or one of the recovery codes (xxxxx-xxxxx)',
});

export const MfaCodeSchema = Type.Object({ code: MfaCode }, { additionalProperties: false });

export const MfaLoginSchema = Type.Object(
  {
    mfaToken: Type.String({ minLength: 10, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$', description: 'From the mfa_required problem' }),
    code: MfaCode,
  },
  { additionalProperties: false },
);

export const TotpEnrolmentSchema = Type.Object(
  {
    secret: Type.String({ description: 'Base32; for users who type it into their authenticator app' }),
    otpauthUri: Type.String({ description: 'otpauth://totp/… (SHA-1, 30 s, 6 digits)' }),
    qrCode: Type.String({ description: 'The otpauthUri as a PNG QR code: a data: URL to show in an <img>' }),
  },
  { additionalProperties: false },
);

export const RecoveryCodesSchema = Type.Object(
  {
    recoveryCodes: Type.Array(Type.String(), {
      minItems: 10,
      maxItems: 10,
      description: 'Ten single-use codes standing in for the authenticator app; shown this once, stored hashed',
    }),
  },
  { additionalProperties: false },
);

export const ForcedResetSchema = Type.Object(
  {
    identity: IdentitySchema,
    mailed: Type.Boolean({ description: 'Whether a reset link was queued for the email (mail is configured)' }),
  },
  { additionalProperties: false },
);
