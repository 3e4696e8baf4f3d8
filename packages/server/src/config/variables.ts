import { resolve } from 'node:path';
import { parseAllowedTargets } from '../shared/allowed-targets.js';
import { redactUrl } from '../shared/urls.js';
import { describeBackupPlace, parseBackupPlace } from './backup-place.js';
import { GUEST_ACTIONS, parseGuestActions } from './guest-policy.js';
import { describeMailTransport, parseMailFrom, parseSmtpUrl } from './mail.js';
import { parseOidcProviders } from './oidc-providers.js';
import {
  accountLinkUrl,
  appName,
  audience,
  databaseSchema,
  fromModule,
  host,
  httpUrl,
  integer,
  oneOf,
  originList,
  path,
  positiveNumber,
  postgresUrl,
  processCount,
  redisPrefix,
  redisUrl,
  secret,
  toggle,
} from './parsers.js';
import { describeS3Location, parseS3Url } from './s3-location.js';
import { parseTrustedProxies } from './trusted-proxies.js';
import { Derived, optional, type Table, variable } from './variable.js';

/**
 * Every configuration variable of Shoebox, each written down once: its parser gives its value's
 * type in `Config` (whose shape this table is), and `shoebox config`, the unknown-variable
 * warning and README's tables (`npm run docs:config`) all read it. Checks between variables are in
 * config.ts, after parsing.
 */

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const PIB = 1024 ** 5;
const DAY = 86_400;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The parser of an `s3://` URL, taking credentials from the AWS variables when the URL has none. */
const s3Url = fromModule((raw, { env }) =>
  parseS3Url(raw, { region: env.AWS_REGION, accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }),
);

const trustedProxies = fromModule(parseTrustedProxies);
const oidcProviders = fromModule(parseOidcProviders);
const guestActions = fromModule(parseGuestActions);
const allowedTargets = fromModule(parseAllowedTargets);

// Named because other defaults derive from them.
const HOST = variable({
  name: 'SHOEBOX_HOST',
  parse: host,
  default: '127.0.0.1',
  description: 'address to listen on (`0.0.0.0` for every interface)',
  example: '0.0.0.0',
});
const PORT = variable({ name: 'SHOEBOX_PORT', parse: integer(0, 65535), default: 8080, description: 'port to listen on', example: '8080' });
const PHOTO_QUOTA_BYTES = variable({
  name: 'SHOEBOX_PHOTO_QUOTA_BYTES',
  parse: integer(0, PIB),
  default: GIB,
  description: 'photo storage per identity: originals, variants and uploads not yet finished or abandoned',
  example: '5368709120',
});

export const VARIABLES = {
  host: HOST,
  port: PORT,
  dataDir: variable({
    name: 'SHOEBOX_DATA_DIR',
    parse: path,
    default: new Derived('`./data`', ({ cwd }) => resolve(cwd, 'data')),
    description: 'where the embedded engine keeps its database, counters and secrets',
    example: '/var/lib/shoebox',
  }),
  publicUrl: variable({
    name: 'SHOEBOX_PUBLIC_URL',
    parse: httpUrl,
    default: new Derived('`http://HOST:PORT`', ({ valueFor }) => {
      const listening = valueFor(HOST);
      const urlHost = listening === '0.0.0.0' || listening === '::' ? '127.0.0.1' : listening;
      return `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${valueFor(PORT)}`;
    }),
    description: 'the base URL devices use (behind a proxy: its URL), and the access tokens’ issuer: give every process the same one',
    example: 'https://api.example.com',
  }),
  adminToken: optional({
    name: 'SHOEBOX_ADMIN_TOKEN',
    parse: secret,
    unset: 'generated on first start, stored hashed',
    secret: true,
    description: 'the admin bearer token, 24–256 characters',
    example: '$(openssl rand -hex 32)',
  }),
  logLevel: variable({
    name: 'SHOEBOX_LOG_LEVEL',
    parse: oneOf(LOG_LEVELS),
    default: 'info',
    description: `one of ${LOG_LEVELS.map((level) => `\`${level}\``).join(', ')}`,
    example: 'debug',
  }),
  corsOrigins: variable({
    name: 'SHOEBOX_CORS_ORIGINS',
    parse: originList,
    default: [],
    description: 'comma-separated origins allowed by CORS, or `*`',
    example: 'https://app.example.com',
    show: (origins) => origins.join(',') || '(off)',
  }),
  bodyLimitBytes: variable({
    name: 'SHOEBOX_BODY_LIMIT_BYTES',
    parse: integer(1024, 64 * MIB),
    default: 256 * 1024,
    description: 'largest JSON body accepted (413 above)',
    example: '1048576',
  }),
  shutdownTimeoutMs: variable({
    name: 'SHOEBOX_SHUTDOWN_TIMEOUT_MS',
    parse: integer(0, 600_000),
    default: 10_000,
    description: 'how long a shutdown waits for in-flight requests',
    example: '30000',
  }),
  httpProcesses: variable({
    name: 'SHOEBOX_HTTP_PROCESSES',
    parse: processCount,
    default: 1,
    description:
      'HTTP processes `serve` runs on one port (`auto`: one per core); the first process runs the stream and background work beside them',
    example: 'auto',
  }),
  defaultRate: variable({
    name: 'SHOEBOX_DEFAULT_RATE',
    parse: positiveNumber(1_000_000),
    default: 10,
    description: 'token-bucket rate of new keys, requests/second',
    example: '2.5',
  }),
  defaultBurst: variable({
    name: 'SHOEBOX_DEFAULT_BURST',
    parse: integer(1, 1_000_000),
    default: 20,
    description: 'token-bucket capacity of new keys',
    example: '50',
  }),
  trustProxy: variable({
    name: 'SHOEBOX_TRUST_PROXY',
    parse: trustedProxies,
    default: false,
    description:
      'the reverse proxies whose `X-Forwarded-*` headers are believed: comma-separated addresses, CIDRs or `loopback`/`linklocal`/`uniquelocal` (see [Security](#security)); `true` and hop counts are refused',
    example: 'loopback,10.0.0.0/8',
    show: (proxies) => (proxies === false ? 'false' : proxies.join(',')),
  }),
  metricsHost: variable({
    name: 'SHOEBOX_METRICS_HOST',
    parse: host,
    default: '127.0.0.1',
    description: 'address the metrics port listens on: keep it loopback or private, never where devices reach it',
    example: '10.0.0.5',
  }),
  metricsPort: optional({
    name: 'SHOEBOX_METRICS_PORT',
    parse: integer(0, 65535),
    unset: 'off: /metrics on the API port, behind the admin token',
    description: 'a port serving `/metrics` without the admin token, for Prometheus (`0`: any free port)',
    example: '9464',
  }),
  demo: variable({
    name: 'SHOEBOX_DEMO',
    parse: toggle('on', 'off'),
    default: true,
    description: '`off` hides the sample app at `/demo/` (and makes no API key for it)',
    example: 'off',
    show: (on) => (on ? 'on' : 'off'),
  }),
  photoMaxBytes: variable({
    name: 'SHOEBOX_PHOTO_MAX_BYTES',
    parse: integer(1024, 5 * GIB),
    default: 25 * MIB,
    description: 'largest photo upload (413 above, before any byte is sent)',
    example: '10485760',
  }),
  photoQuotaBytes: PHOTO_QUOTA_BYTES,
  photoQuotaBytesPerKey: variable({
    name: 'SHOEBOX_PHOTO_QUOTA_BYTES_PER_KEY',
    parse: integer(0, PIB),
    default: 100 * GIB,
    description: 'photo storage per API key (one app): every identity of the key together, guests included',
    example: '1099511627776',
  }),
  photoMaxPixels: variable({
    name: 'SHOEBOX_PHOTO_MAX_PIXELS',
    parse: integer(1, 1_000_000_000),
    default: 50_000_000,
    description: 'largest image the processor decodes (guards against decompression bombs)',
    example: '100000000',
  }),
  signedUrlTtlSeconds: variable({
    name: 'SHOEBOX_SIGNED_URL_TTL_SECONDS',
    parse: integer(10, 7 * DAY),
    default: 900,
    description: 'how long signed upload and download URLs work',
    example: '300',
  }),
  databaseUrl: optional({
    name: 'SHOEBOX_DATABASE_URL',
    parse: postgresUrl,
    unset: 'embedded SQLite in the data folder',
    secret: true,
    description: 'PostgreSQL for data, the change stream, search (and quota counters without Redis)',
    example: 'postgres://user:password@host:5432/db',
    show: redactUrl,
  }),
  databasePoolSize: variable({
    name: 'SHOEBOX_DATABASE_POOL_SIZE',
    parse: integer(1, 1000),
    default: 10,
    description: 'PostgreSQL connections per process',
    example: '20',
  }),
  databasePoolTimeoutMs: variable({
    name: 'SHOEBOX_DATABASE_POOL_TIMEOUT_MS',
    parse: integer(100, 600_000),
    default: 5000,
    description:
      'PostgreSQL: how long a request waits for a pooled connection (all `SHOEBOX_DATABASE_POOL_SIZE` busy) before it answers `503` with `Retry-After`',
    example: '2000',
  }),
  databaseSchema: variable({
    name: 'SHOEBOX_DATABASE_SCHEMA',
    parse: databaseSchema,
    default: 'shoebox',
    description:
      'the PostgreSQL schema holding every Shoebox table; a schema of Shoebox’s own (`public` and PostgreSQL’s are refused), since `shoebox destroy` drops it',
    example: 'shoebox_staging',
  }),
  redisUrl: optional({
    name: 'SHOEBOX_REDIS_URL',
    parse: redisUrl,
    unset: 'off: limits kept in process',
    secret: true,
    description: 'Redis for token buckets, quota counters, login and guest throttles shared by every process (`rediss://` for TLS)',
    example: 'redis://127.0.0.1:6379/0',
    show: redactUrl,
  }),
  redisPrefix: variable({
    name: 'SHOEBOX_REDIS_PREFIX',
    parse: redisPrefix,
    default: 'shoebox:',
    description: 'start of every Redis key Shoebox writes (1–64 of `A-Z a-z 0-9 : _ . -`)',
    example: 'photoapp:',
  }),
  blobStore: optional({
    name: 'SHOEBOX_BLOB_URL',
    parse: s3Url,
    unset: 'embedded: files in the data folder',
    secret: true,
    description:
      'an S3-compatible bucket for photos: `s3://bucket[/prefix]?region=…&endpoint=…&forcePathStyle=true` (credentials from the URL’s `accessKeyId`/`secretAccessKey` or `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`)',
    example: 's3://photos?region=eu-west-1',
    show: describeS3Location,
  }),
  blobPublicUrl: optional({
    name: 'SHOEBOX_BLOB_PUBLIC_URL',
    parse: httpUrl,
    unset: 'off: public photos at SHOEBOX_PUBLIC_URL/public/photos',
    description: 'base URL of a CDN whose origin is `SHOEBOX_PUBLIC_URL/public/photos`; public photos’ `publicUrl`s use it',
    example: 'https://cdn.example.com/photos',
  }),
  identity: {
    tokenAudience: variable({
      name: 'SHOEBOX_TOKEN_AUDIENCE',
      parse: audience,
      default: 'shoebox',
      description: 'the `aud` of access tokens (their `iss` is `SHOEBOX_PUBLIC_URL`)',
      example: 'photoapp',
    }),
    accessTokenTtlSeconds: variable({
      name: 'SHOEBOX_ACCESS_TOKEN_TTL_SECONDS',
      parse: integer(1, DAY),
      default: 900,
      description: 'access token lifetime (1–86400)',
      example: '300',
    }),
    refreshTokenTtlSeconds: variable({
      name: 'SHOEBOX_REFRESH_TOKEN_TTL_SECONDS',
      parse: integer(1, 366 * DAY),
      default: 30 * DAY,
      description: 'refresh token lifetime (30 days)',
      example: '604800',
    }),
    refreshRetryWindowSeconds: variable({
      name: 'SHOEBOX_REFRESH_RETRY_WINDOW_SECONDS',
      parse: integer(0, 60),
      default: 5,
      description:
        'how long after a refresh a retry with the same refresh token gets the same new one instead of revoking the session (0–60; 0: never)',
      example: '10',
    }),
    reauthWindowSeconds: variable({
      name: 'SHOEBOX_REAUTH_WINDOW_SECONDS',
      parse: integer(1, DAY),
      default: 300,
      description: 'how recent the login behind an access token must be for it to add a login to an authenticated identity (1–86400)',
      example: '600',
    }),
    oidcProviders: variable({
      name: 'SHOEBOX_OIDC_PROVIDERS',
      parse: oidcProviders,
      default: [],
      description: 'JSON `[{"name","issuer","audiences":[…],"jwksUrl"}]`; `jwksUrl` must be https (http only on loopback)',
      example:
        '[{"name":"google","issuer":"https://accounts.google.com","audiences":["id"],"jwksUrl":"https://www.googleapis.com/oauth2/v3/certs"}]',
      show: (providers) => (providers.length > 0 ? JSON.stringify(providers) : '(none)'),
    }),
    loginFailuresPerEmail: variable({
      name: 'SHOEBOX_LOGIN_FAILURES_PER_EMAIL',
      parse: integer(1, 1000),
      default: 5,
      description: 'failed password logins per email from one client address before that address gets `429` for that email',
      example: '10',
    }),
    loginFailuresPerEmailCeiling: variable({
      name: 'SHOEBOX_LOGIN_FAILURES_EMAIL_CEILING',
      parse: integer(1, 1_000_000),
      default: 100,
      description: 'failed password logins per email from all addresses; past it, each address gets one attempt per window on that email',
      example: '500',
    }),
    loginFailuresPerAddress: variable({
      name: 'SHOEBOX_LOGIN_FAILURES_PER_ADDRESS',
      parse: integer(1, 100_000),
      default: 50,
      description: 'failed password logins per client address, across emails, before `429`',
      example: '200',
    }),
    loginFailureWindowSeconds: variable({
      name: 'SHOEBOX_LOGIN_FAILURE_WINDOW_SECONDS',
      parse: integer(1, DAY),
      default: 900,
      description: 'window the failures are counted in',
      example: '3600',
    }),
    guestsPerAddress: variable({
      name: 'SHOEBOX_GUESTS_PER_ADDRESS',
      parse: integer(1, 1_000_000),
      default: 30,
      description: 'guest identities one client address may create per window (`429 guest_creation_throttled` above)',
      example: '100',
    }),
    guestWindowSeconds: variable({
      name: 'SHOEBOX_GUEST_WINDOW_SECONDS',
      parse: integer(1, DAY),
      default: 3600,
      description: 'window the guest creations are counted in',
      example: '86400',
    }),
    passwordScryptLogN: variable({
      name: 'SHOEBOX_PASSWORD_SCRYPT_LOG_N',
      parse: integer(12, 20),
      default: 15,
      description: 'scrypt cost, log2(N) (12–20); stored with each hash, so a change applies to new passwords only',
      example: '16',
    }),
    emailVerificationRequired: variable({
      name: 'SHOEBOX_REQUIRE_EMAIL_VERIFICATION',
      parse: toggle('true', 'false'),
      default: false,
      description: '`true`: a password login answers `403 email_not_verified` until the email is verified',
      example: 'true',
    }),
    verifyTokenTtlSeconds: variable({
      name: 'SHOEBOX_VERIFY_TOKEN_TTL_SECONDS',
      parse: integer(60, 30 * DAY),
      default: DAY,
      description: 'how long verification and email-change links work',
      example: '3600',
    }),
    resetTokenTtlSeconds: variable({
      name: 'SHOEBOX_RESET_TOKEN_TTL_SECONDS',
      parse: integer(60, DAY),
      default: 1800,
      description: 'how long password-reset links work',
      example: '900',
    }),
  },
  notes: {
    headlineMaxLength: variable({
      name: 'SHOEBOX_NOTE_HEADLINE_MAX',
      parse: integer(1, 10_000),
      default: 200,
      description: 'longest note headline, in characters',
      example: '120',
    }),
    textMaxLength: variable({
      name: 'SHOEBOX_NOTE_TEXT_MAX',
      parse: integer(1, 1_000_000),
      default: 20_000,
      description: 'longest note text, in characters',
      example: '100000',
    }),
    batchBodyLimitBytes: variable({
      name: 'SHOEBOX_NOTE_BATCH_BODY_LIMIT_BYTES',
      parse: integer(1024, 256 * MIB),
      default: 4 * MIB,
      description: 'largest body of POST /v1/notes/batch, which carries up to 100 notes (413 above)',
      example: '8388608',
    }),
  },
  stream: {
    batchSize: variable({
      name: 'SHOEBOX_STREAM_BATCH_SIZE',
      parse: integer(1, 10_000),
      default: 256,
      description: 'changes a processor reads per batch',
      example: '512',
    }),
    maxAttempts: variable({
      name: 'SHOEBOX_STREAM_MAX_ATTEMPTS',
      parse: integer(1, 100),
      default: 8,
      description: 'attempts before a failing change goes to the dead-letter table',
      example: '12',
    }),
    retryBaseMs: variable({
      name: 'SHOEBOX_STREAM_RETRY_BASE_MS',
      parse: integer(1, 3_600_000),
      default: 500,
      description: 'first retry delay; doubles per attempt, with jitter',
      example: '1000',
    }),
    retryMaxMs: variable({
      name: 'SHOEBOX_STREAM_RETRY_MAX_MS',
      parse: integer(1, DAY * 1000),
      default: 300_000,
      description: 'longest retry delay',
      example: '600000',
    }),
    pollMs: variable({
      name: 'SHOEBOX_STREAM_POLL_MS',
      parse: integer(10, 600_000),
      default: 500,
      description: 'how often a processor looks for changes it was not woken for (a `worker` polls at this pace)',
      example: '1000',
    }),
    leaseMs: variable({
      name: 'SHOEBOX_STREAM_LEASE_MS',
      parse: integer(100, 3_600_000),
      default: 10_000,
      description:
        'how long a processor holds a consumer without renewing it (it renews while it lives, even mid-batch); a killed worker’s consumers move to another one after this',
      example: '30000',
    }),
    retentionHours: variable({
      name: 'SHOEBOX_STREAM_RETENTION_HOURS',
      parse: integer(0, 100_000),
      default: 168,
      description: 'handled changes are pruned once older than this',
      example: '720',
    }),
    partitions: variable({
      name: 'SHOEBOX_STREAM_PARTITIONS',
      parse: integer(1, 64),
      default: 1,
      description: 'partitions per stream consumer, each leased and checkpointed on its own, so several workers index side by side',
      example: '4',
    }),
  },
  mail: {
    smtpUrl: optional({
      name: 'SHOEBOX_SMTP_URL',
      parse: fromModule(parseSmtpUrl),
      unset: 'off: mail flows answer 503 mail_not_configured',
      secret: true,
      description:
        '`smtp://user:password@host:587` (STARTTLS when offered; `?requireTLS=true` to insist), `smtps://…:465`, or `log` to print messages in the log (development)',
      example: 'smtp://user:password@mail.example.com:587',
      show: describeMailTransport,
    }),
    from: variable({
      name: 'SHOEBOX_MAIL_FROM',
      parse: fromModule(parseMailFrom),
      default: 'Shoebox <no-reply@localhost>',
      description: 'the sender; required with an SMTP server',
      example: 'Photo App <no-reply@example.com>',
    }),
    accountLinkUrl: optional({
      name: 'SHOEBOX_ACCOUNT_LINK_URL',
      parse: accountLinkUrl,
      unset: 'off: flows that send mail answer 503 mail_not_configured',
      description: 'the app’s link handler; required with mail',
      example: 'photoapp://account',
    }),
    templatesDir: optional({
      name: 'SHOEBOX_MAIL_TEMPLATES_DIR',
      parse: path,
      unset: 'built-in templates',
      description: 'a folder overriding templates: `<kind>.subject.txt`, `<kind>.text.txt`, `<kind>.html`',
      example: './mail-templates',
    }),
    appName: variable({
      name: 'SHOEBOX_APP_NAME',
      parse: appName,
      default: 'Shoebox',
      description: 'named in every message',
      example: 'Photo App',
    }),
    perRecipient: variable({
      name: 'SHOEBOX_MAIL_PER_RECIPIENT',
      parse: integer(1, 10_000),
      default: 5,
      description: 'messages one address may be sent per window',
      example: '3',
    }),
    perAddress: variable({
      name: 'SHOEBOX_MAIL_PER_ADDRESS',
      parse: integer(1, 1_000_000),
      default: 20,
      description: 'messages one client address may ask for per window',
      example: '10',
    }),
    windowSeconds: variable({
      name: 'SHOEBOX_MAIL_WINDOW_SECONDS',
      parse: integer(1, 7 * DAY),
      default: 3600,
      description: 'the window of both',
      example: '86400',
    }),
  },
  guests: {
    allow: variable({
      name: 'SHOEBOX_GUEST_ALLOW',
      parse: guestActions,
      default: parseGuestActions('*'),
      description: `what guests may do: \`*\`, \`none\`, or a comma list of ${GUEST_ACTIONS.map((action) => `\`${action}\``).join(', ')}`,
      example: 'notes:read,search',
      show: (actions) => (actions.length === GUEST_ACTIONS.length ? '*' : actions.join(',') || 'none'),
    }),
    maxNotes: variable({
      name: 'SHOEBOX_GUEST_MAX_NOTES',
      parse: integer(0, 10_000_000),
      default: 0,
      description: 'live notes one guest may keep; `0`: no cap',
      example: '20',
      show: (notes) => (notes === 0 ? '(no cap)' : String(notes)),
    }),
    photoQuotaBytes: variable({
      name: 'SHOEBOX_GUEST_PHOTO_QUOTA_BYTES',
      parse: integer(0, PIB),
      // Guests store as much as accounts unless told otherwise.
      default: new Derived('`SHOEBOX_PHOTO_QUOTA_BYTES`', ({ valueFor }) => valueFor(PHOTO_QUOTA_BYTES)),
      description: 'bytes of photos one guest may store',
      example: '104857600',
    }),
    lifetimeDays: variable({
      name: 'SHOEBOX_GUEST_LIFETIME_DAYS',
      parse: integer(0, 36_500),
      default: 0,
      description: 'guests whose sessions got no new token for this many days are deleted with their data; `0`: kept',
      example: '90',
      show: (days) => (days === 0 ? '(guests are kept)' : String(days)),
    }),
    sweepSeconds: variable({
      name: 'SHOEBOX_GUEST_SWEEP_SECONDS',
      parse: integer(1, DAY),
      default: 3600,
      description: 'how often `serve` and each `worker` look for them',
      example: '600',
    }),
  },
  backup: {
    place: optional({
      name: 'SHOEBOX_BACKUP_URL',
      parse: fromModule((raw, { env, cwd }) => parseBackupPlace(raw, env, cwd)),
      unset: 'off: no scheduled backups',
      secret: true,
      description:
        'a folder or `s3://bucket/prefix?…`: `serve` writes a backup there every interval (see [Backups](#backups-and-restore)); embedded engine only',
      example: '/var/backups/shoebox',
      show: describeBackupPlace,
    }),
    intervalSeconds: variable({
      name: 'SHOEBOX_BACKUP_INTERVAL_SECONDS',
      parse: integer(1, 366 * DAY),
      default: DAY,
      description: 'time between scheduled backups; the first comes one interval after start',
      example: '21600',
    }),
    keep: variable({
      name: 'SHOEBOX_BACKUP_KEEP',
      parse: integer(1, 100_000),
      default: 7,
      description: 'scheduled backups kept at `SHOEBOX_BACKUP_URL`; older ones are removed after each new one',
      example: '30',
    }),
  },
  webhooks: {
    allowedTargets: variable({
      name: 'SHOEBOX_WEBHOOK_ALLOWED_HOSTS',
      parse: allowedTargets,
      default: { hosts: [], networks: [] },
      description: 'host names, addresses and CIDRs webhooks may reach though they are private, loopback or link-local',
      example: 'hooks.internal,10.2.0.0/16',
      show: ({ hosts, networks }) => [...hosts, ...networks].join(',') || '(none: private targets refused)',
    }),
    timeoutMs: variable({
      name: 'SHOEBOX_WEBHOOK_TIMEOUT_MS',
      parse: integer(100, 120_000),
      default: 10_000,
      description: 'bound on one webhook attempt, redirects included',
      example: '5000',
    }),
    retryPeriodSeconds: variable({
      name: 'SHOEBOX_WEBHOOK_RETRY_PERIOD_SECONDS',
      parse: integer(1, 30 * DAY),
      default: DAY,
      description: 'how long a failing delivery is retried before it becomes a dead letter',
      example: '259200',
    }),
    retryBaseMs: variable({
      name: 'SHOEBOX_WEBHOOK_RETRY_BASE_MS',
      parse: integer(1, 3_600_000),
      default: 1_000,
      description: 'first retry delay of a webhook delivery; it doubles per attempt, with jitter',
      example: '5000',
    }),
    retryMaxMs: variable({
      name: 'SHOEBOX_WEBHOOK_RETRY_MAX_MS',
      parse: integer(1, DAY * 1000),
      default: 3_600_000,
      description: 'longest delay between two attempts of a delivery',
      example: '600000',
    }),
  },
  realtimeHeartbeatSeconds: variable({
    name: 'SHOEBOX_REALTIME_HEARTBEAT_SECONDS',
    parse: integer(1, 300),
    default: 15,
    description: 'how often a realtime stream sends a heartbeat and checks that its session is still live',
    example: '30',
  }),
} satisfies Table;
