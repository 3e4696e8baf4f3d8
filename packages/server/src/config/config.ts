import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { type AllowedTargets, parseAllowedTargets } from '../shared/allowed-targets.js';
import { redactUrl } from '../shared/urls.js';
import { type BackupPlace, describeBackupPlace, parseBackupPlace } from './backup-place.js';
import { type GuestPolicyConfig, parseGuestActions } from './guest-policy.js';
import { describeMailTransport, type MailConfig, parseMailFrom, parseSmtpUrl } from './mail.js';
import { type OidcProviderConfig, parseOidcProviders } from './oidc-providers.js';
import { describeS3Location, parseS3Url, type S3Location } from './s3-location.js';
import { parseTrustedProxies } from './trusted-proxies.js';

/**
 * The only reader of `process.env` in Shoebox. Everything else receives the frozen `Config`
 * built here, so a value is parsed and validated exactly once, at start.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly publicUrl: string;
  /** Whether SHOEBOX_PUBLIC_URL was given; otherwise `publicUrl` comes from this process's host and port. */
  readonly publicUrlSet: boolean;
  /** Set only when the operator chose the token; otherwise one is generated on first start. */
  readonly adminToken: string | undefined;
  readonly logLevel: LogLevel;
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  readonly shutdownTimeoutMs: number;
  /** HTTP processes `serve` runs side by side on the port (node:cluster); 1: the API in the process itself. */
  readonly httpProcesses: number;
  readonly defaultRate: number;
  readonly defaultBurst: number;
  /** The reverse proxies whose X-Forwarded-* headers are believed (addresses, CIDRs, range names), or false for none. */
  readonly trustProxy: false | readonly string[];
  /** Where the metrics listener binds (loopback unless told otherwise). */
  readonly metricsHost: string;
  /** Port of a listener serving /metrics without the admin token; unset: /metrics only on the API port, behind the admin token. */
  readonly metricsPort: number | undefined;
  /** Whether `serve` serves the sample app at /demo/ (SHOEBOX_DEMO=off hides it). */
  readonly demo: boolean;
  /** Largest photo upload accepted, in bytes. */
  readonly photoMaxBytes: number;
  /** Bytes of photos (originals and variants) one identity may store. */
  readonly photoQuotaBytes: number;
  /** Bytes of photos all identities together may store through one API key (one app): guests cannot multiply it. */
  readonly photoQuotaBytesPerKey: number;
  /** Largest image, in pixels, the processor decodes: the guard against decompression bombs. */
  readonly photoMaxPixels: number;
  /** How long signed upload and download URLs work. */
  readonly signedUrlTtlSeconds: number;
  /** PostgreSQL connection URL; unset keeps the embedded SQLite database. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  /** How long a request waits for a pooled PostgreSQL connection before it answers 503. */
  readonly databasePoolTimeoutMs: number;
  /** The PostgreSQL schema holding every Shoebox table. */
  readonly databaseSchema: string;
  /** Redis URL for rate limits and quotas shared by several processes; unset keeps them in process. */
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  /** The S3-compatible bucket for photos; unset keeps them in the data folder. */
  readonly blobStore: S3Location | undefined;
  /** Base URL of a CDN in front of `<publicUrl>/public/photos`, used in public photos' `publicUrl`s. */
  readonly blobPublicUrl: string | undefined;
  readonly identity: IdentityConfig;
  readonly notes: NoteLimits;
  readonly stream: StreamSettings;
  readonly mail: MailConfig;
  readonly guests: GuestPolicyConfig;
  readonly backup: BackupSchedule;
  readonly webhooks: WebhookSettings;
  /** How often a realtime stream sends a heartbeat and checks that its session is still live. */
  readonly realtimeHeartbeatSeconds: number;
}

/** Backups `serve` writes by itself (backup/schedule.ts); `place` unset: none. */
export interface BackupSchedule {
  readonly place: BackupPlace | undefined;
  readonly intervalSeconds: number;
  /** How many of its backups the place keeps: older ones are removed after each new one. */
  readonly keep: number;
}

/** Bounds of a note, stated in the OpenAPI document and enforced by the schemas built from them. */
export interface NoteLimits {
  readonly headlineMaxLength: number;
  readonly textMaxLength: number;
  /** Largest body of POST /v1/notes/batch: above SHOEBOX_BODY_LIMIT_BYTES, as it carries up to 100 notes. */
  readonly batchBodyLimitBytes: number;
}

/** How the change-stream processor reads, retries and prunes. */
export interface StreamSettings {
  readonly batchSize: number;
  /** Attempts before a failing change is parked in the dead-letter table. */
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** How often a processor looks for work it was not woken for (other processes' writes, due retries). */
  readonly pollMs: number;
  /**
   * How long a processor's claim on a consumer lasts without renewal: after a processor dies,
   * another takes its consumers over once this has passed.
   */
  readonly leaseMs: number;
  /** Changes every consumer has passed are deleted once older than this. */
  readonly retentionHours: number;
  /**
   * Partitions per consumer (1 when not given): each partition has its own lease and checkpoint,
   * so that many processors work one consumer side by side (stream/partitions.ts).
   */
  readonly partitions?: number;
}

/** How webhooks are sent (webhooks/). */
export interface WebhookSettings {
  /** Targets allowed though they are private, loopback or link-local (SSRF protection otherwise refuses them). */
  readonly allowedTargets: AllowedTargets;
  /** Bound on one attempt, redirects included. */
  readonly timeoutMs: number;
  /** How long a failing delivery is retried before it becomes a dead letter. */
  readonly retryPeriodSeconds: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

export type { OidcProviderConfig };

export interface IdentityConfig {
  /** The `aud` of access tokens; their `iss` is the public URL. */
  readonly tokenAudience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** How long after a refresh a retry with the same refresh token gets the same answer instead of revoking the session; 0 turns retries off. */
  readonly refreshRetryWindowSeconds: number;
  /** How recent the login of a session must be for it to add a login to an authenticated identity. */
  readonly reauthWindowSeconds: number;
  readonly oidcProviders: readonly OidcProviderConfig[];
  /** Failed password logins allowed per email from one client address, within the window. */
  readonly loginFailuresPerEmail: number;
  /**
   * Failed password logins per email from all addresses within the window, past which each address
   * gets one attempt per window on that email: slows distributed guessing without locking anyone out.
   */
  readonly loginFailuresPerEmailCeiling: number;
  /** Failed password logins allowed per client address, across emails, within the window. */
  readonly loginFailuresPerAddress: number;
  readonly loginFailureWindowSeconds: number;
  /** Guest identities one client address may create within the guest window. */
  readonly guestsPerAddress: number;
  readonly guestWindowSeconds: number;
  /** scrypt cost as log2(N); stored with each hash, so raising it affects new passwords only. */
  readonly passwordScryptLogN: number;
  /** Whether a password login needs the email verified first. */
  readonly emailVerificationRequired: boolean;
  /** How long the link of a verification or email-change message works. */
  readonly verifyTokenTtlSeconds: number;
  /** How long the link of a password-reset message works. */
  readonly resetTokenTtlSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;
type Parser<T> = (raw: string) => T;

/** Thrown by parsers; the message completes "NAME=value is wrong: ...". */
class Invalid extends Error {}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new Invalid(`expected a whole number from ${min} to ${max}`);
    }
    return Number(raw);
  };

const positiveNumber =
  (max: number): Parser<number> =>
  (raw) => {
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value <= 0 || value > max) {
      throw new Invalid(`expected a number above 0 and at most ${max}`);
    }
    return value;
  };

/** A number of processes, or `auto`: one per core this process may use. */
const processCount: Parser<number> = (raw) => {
  if (raw === 'auto') return availableParallelism();
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64)
    throw new Invalid('expected auto (one per core) or a whole number from 1 to 64');
  return Number(raw);
};

const host: Parser<string> = (raw) => {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(raw)) throw new Invalid('expected a host name or IP address, e.g. 127.0.0.1 or 0.0.0.0');
  return raw;
};

const url: Parser<string> = (raw) => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Invalid('expected an absolute http(s) URL, e.g. https://api.example.com');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Invalid('expected an http or https URL');
  return raw.replace(/\/+$/, '');
};

const secret: Parser<string> = (raw) => {
  if (raw.length < 24 || raw.length > 256 || /\s/.test(raw)) {
    throw new Invalid('expected 24 to 256 characters without spaces (try: openssl rand -hex 32)');
  }
  return raw;
};

const oneOf =
  <T extends string>(values: readonly T[]): Parser<T> =>
  (raw) => {
    if (!values.includes(raw as T)) throw new Invalid(`expected one of ${values.join(', ')}`);
    return raw as T;
  };

const postgresUrl: Parser<string> = (raw) => {
  if (!/^postgres(ql)?:\/\/\S+$/.test(raw)) throw new Invalid('expected a PostgreSQL URL like postgres://user:password@host:5432/shoebox');
  return raw;
};

const redisUrl: Parser<string> = (raw) => {
  if (!/^rediss?:\/\/\S+$/.test(raw)) throw new Invalid('expected a Redis URL like redis://127.0.0.1:6379/0 (rediss:// for TLS)');
  return raw;
};

const originList: Parser<string[]> = (raw) => {
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new Invalid(`"${origin}" is not an origin; expected a comma-separated list like https://app.example.com or *`);
    }
  }
  return origins;
};

/** The app's handler of account links: any absolute URL without a query (the link adds one); custom schemes allowed. */
const accountLinkUrl: Parser<string> = (raw) => {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s?#]+$/i.test(raw) || raw.length > 500) {
    throw new Invalid('expected an absolute URL without query, e.g. https://app.example.com/account or photoapp://account');
  }
  return raw;
};

const appName: Parser<string> = (raw) => {
  if (raw.length > 64 || /[<>]/.test(raw) || [...raw].some((char) => char.charCodeAt(0) < 0x20))
    throw new Invalid('expected 1 to 64 characters, no control characters or < >');
  return raw;
};

const audience: Parser<string> = (raw) => {
  if (!/^[\x21-\x7e]{1,200}$/.test(raw)) throw new Invalid('expected 1 to 200 printable characters without spaces');
  return raw;
};

/** Adapts a parser that throws plain errors (kept beside its capability) to this file's `Invalid`. */
const fromModule =
  <T>(parse: (raw: string) => T): Parser<T> =>
  (raw) => {
    try {
      return parse(raw);
    } catch (error) {
      throw new Invalid((error as Error).message);
    }
  };

/** Which variables are secrets: `shoebox config` prints them redacted. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'SHOEBOX_ADMIN_TOKEN',
  'SHOEBOX_DATABASE_URL',
  'SHOEBOX_REDIS_URL',
  'SHOEBOX_BLOB_URL',
  'SHOEBOX_SMTP_URL',
  'SHOEBOX_BACKUP_URL',
]);

/** Reads `.env` from the working directory, if present. Real environment variables win over it. */
export function loadEnv(cwd = process.cwd(), env: Env = process.env): Env {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return { ...env };
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env };
}

/** Builds the frozen configuration, or throws a ConfigError with one line per bad variable. */
export function parseConfig(env: Env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const read = <T>(name: string, parse: Parser<T>, fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    try {
      return parse(raw.trim());
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const shown = SECRET_VARIABLES.has(name) ? '(hidden)' : JSON.stringify(raw);
      problems.push(`${name}=${shown} is wrong: ${error.message}`);
      return fallback;
    }
  };

  const hostValue = read('SHOEBOX_HOST', host, '127.0.0.1');
  const port = read('SHOEBOX_PORT', integer(0, 65535), 8080);
  const photoQuotaBytes = read('SHOEBOX_PHOTO_QUOTA_BYTES', integer(0, 1024 ** 5), GIB);
  const urlHost = hostValue === '0.0.0.0' || hostValue === '::' ? '127.0.0.1' : hostValue;
  const config: Config = {
    host: hostValue,
    port,
    dataDir: resolve(
      cwd,
      read('SHOEBOX_DATA_DIR', (raw) => raw, './data'),
    ),
    publicUrl: read('SHOEBOX_PUBLIC_URL', url, `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`),
    publicUrlSet: Boolean(env.SHOEBOX_PUBLIC_URL?.trim()),
    adminToken: read<string | undefined>('SHOEBOX_ADMIN_TOKEN', secret, undefined),
    logLevel: read('SHOEBOX_LOG_LEVEL', oneOf(LOG_LEVELS), 'info'),
    corsOrigins: read('SHOEBOX_CORS_ORIGINS', originList, []),
    bodyLimitBytes: read('SHOEBOX_BODY_LIMIT_BYTES', integer(1024, 64 * 1024 * 1024), 256 * 1024),
    shutdownTimeoutMs: read('SHOEBOX_SHUTDOWN_TIMEOUT_MS', integer(0, 600_000), 10_000),
    httpProcesses: read('SHOEBOX_HTTP_PROCESSES', processCount, 1),
    defaultRate: read('SHOEBOX_DEFAULT_RATE', positiveNumber(1_000_000), 10),
    defaultBurst: read('SHOEBOX_DEFAULT_BURST', integer(1, 1_000_000), 20),
    trustProxy: read<false | string[]>('SHOEBOX_TRUST_PROXY', fromModule(parseTrustedProxies), false),
    metricsHost: read('SHOEBOX_METRICS_HOST', host, '127.0.0.1'),
    metricsPort: read<number | undefined>('SHOEBOX_METRICS_PORT', integer(0, 65535), undefined),
    demo: read('SHOEBOX_DEMO', oneOf(['on', 'off'] as const), 'on') === 'on',
    photoMaxBytes: read('SHOEBOX_PHOTO_MAX_BYTES', integer(1024, 5 * GIB), 25 * MIB),
    photoQuotaBytes,
    photoQuotaBytesPerKey: read('SHOEBOX_PHOTO_QUOTA_BYTES_PER_KEY', integer(0, 1024 ** 5), 100 * GIB),
    photoMaxPixels: read('SHOEBOX_PHOTO_MAX_PIXELS', integer(1, 1_000_000_000), 50_000_000),
    signedUrlTtlSeconds: read('SHOEBOX_SIGNED_URL_TTL_SECONDS', integer(10, 7 * 24 * 3600), 900),
    databaseUrl: read<string | undefined>('SHOEBOX_DATABASE_URL', postgresUrl, undefined),
    databasePoolSize: read('SHOEBOX_DATABASE_POOL_SIZE', integer(1, 1000), 10),
    databasePoolTimeoutMs: read('SHOEBOX_DATABASE_POOL_TIMEOUT_MS', integer(100, 600_000), 5000),
    databaseSchema: read(
      'SHOEBOX_DATABASE_SCHEMA',
      (raw) => {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new Invalid('expected a lower-case SQL identifier, e.g. shoebox');
        // Shoebox's schema is its own: `shoebox destroy` drops it whole, so it must never be a shared one.
        if (raw === 'public' || raw === 'information_schema' || raw.startsWith('pg_')) {
          throw new Invalid(
            'expected a schema of Shoebox’s own, not one PostgreSQL or other applications share (shoebox destroy drops it)',
          );
        }
        return raw;
      },
      'shoebox',
    ),
    redisUrl: read<string | undefined>('SHOEBOX_REDIS_URL', redisUrl, undefined),
    redisPrefix: read(
      'SHOEBOX_REDIS_PREFIX',
      (raw) => {
        if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(raw)) throw new Invalid('expected 1 to 64 of A-Z a-z 0-9 : _ . -');
        return raw;
      },
      'shoebox:',
    ),
    blobStore: read<S3Location | undefined>(
      'SHOEBOX_BLOB_URL',
      fromModule((raw) =>
        parseS3Url(raw, { region: env.AWS_REGION, accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }),
      ),
      undefined,
    ),
    blobPublicUrl: read<string | undefined>('SHOEBOX_BLOB_PUBLIC_URL', url, undefined),
    identity: Object.freeze({
      tokenAudience: read('SHOEBOX_TOKEN_AUDIENCE', audience, 'shoebox'),
      accessTokenTtlSeconds: read('SHOEBOX_ACCESS_TOKEN_TTL_SECONDS', integer(1, 86_400), 900),
      refreshTokenTtlSeconds: read('SHOEBOX_REFRESH_TOKEN_TTL_SECONDS', integer(1, 366 * 86_400), 30 * 86_400),
      refreshRetryWindowSeconds: read('SHOEBOX_REFRESH_RETRY_WINDOW_SECONDS', integer(0, 60), 5),
      reauthWindowSeconds: read('SHOEBOX_REAUTH_WINDOW_SECONDS', integer(1, 86_400), 300),
      oidcProviders: Object.freeze(read('SHOEBOX_OIDC_PROVIDERS', fromModule(parseOidcProviders), [])),
      loginFailuresPerEmail: read('SHOEBOX_LOGIN_FAILURES_PER_EMAIL', integer(1, 1000), 5),
      loginFailuresPerEmailCeiling: read('SHOEBOX_LOGIN_FAILURES_EMAIL_CEILING', integer(1, 1_000_000), 100),
      loginFailuresPerAddress: read('SHOEBOX_LOGIN_FAILURES_PER_ADDRESS', integer(1, 100_000), 50),
      loginFailureWindowSeconds: read('SHOEBOX_LOGIN_FAILURE_WINDOW_SECONDS', integer(1, 86_400), 900),
      guestsPerAddress: read('SHOEBOX_GUESTS_PER_ADDRESS', integer(1, 1_000_000), 30),
      guestWindowSeconds: read('SHOEBOX_GUEST_WINDOW_SECONDS', integer(1, 86_400), 3600),
      passwordScryptLogN: read('SHOEBOX_PASSWORD_SCRYPT_LOG_N', integer(12, 20), 15),
      emailVerificationRequired: read('SHOEBOX_REQUIRE_EMAIL_VERIFICATION', oneOf(['true', 'false']), 'false') === 'true',
      verifyTokenTtlSeconds: read('SHOEBOX_VERIFY_TOKEN_TTL_SECONDS', integer(60, 30 * 86_400), 86_400),
      resetTokenTtlSeconds: read('SHOEBOX_RESET_TOKEN_TTL_SECONDS', integer(60, 86_400), 1800),
    }),
    notes: {
      headlineMaxLength: read('SHOEBOX_NOTE_HEADLINE_MAX', integer(1, 10_000), 200),
      textMaxLength: read('SHOEBOX_NOTE_TEXT_MAX', integer(1, 1_000_000), 20_000),
      batchBodyLimitBytes: read('SHOEBOX_NOTE_BATCH_BODY_LIMIT_BYTES', integer(1024, 256 * 1024 * 1024), 4 * 1024 * 1024),
    },
    stream: {
      batchSize: read('SHOEBOX_STREAM_BATCH_SIZE', integer(1, 10_000), 256),
      maxAttempts: read('SHOEBOX_STREAM_MAX_ATTEMPTS', integer(1, 100), 8),
      retryBaseMs: read('SHOEBOX_STREAM_RETRY_BASE_MS', integer(1, 3_600_000), 500),
      retryMaxMs: read('SHOEBOX_STREAM_RETRY_MAX_MS', integer(1, 86_400_000), 300_000),
      pollMs: read('SHOEBOX_STREAM_POLL_MS', integer(10, 600_000), 500),
      leaseMs: read('SHOEBOX_STREAM_LEASE_MS', integer(100, 3_600_000), 10_000),
      retentionHours: read('SHOEBOX_STREAM_RETENTION_HOURS', integer(0, 100_000), 168),
      partitions: read('SHOEBOX_STREAM_PARTITIONS', integer(1, 64), 1),
    },
    mail: Object.freeze({
      smtpUrl: read<string | undefined>('SHOEBOX_SMTP_URL', fromModule(parseSmtpUrl), undefined),
      from: read('SHOEBOX_MAIL_FROM', fromModule(parseMailFrom), 'Shoebox <no-reply@localhost>'),
      accountLinkUrl: read<string | undefined>('SHOEBOX_ACCOUNT_LINK_URL', accountLinkUrl, undefined),
      templatesDir: read<string | undefined>('SHOEBOX_MAIL_TEMPLATES_DIR', (raw) => resolve(cwd, raw), undefined),
      appName: read('SHOEBOX_APP_NAME', appName, 'Shoebox'),
      perRecipient: read('SHOEBOX_MAIL_PER_RECIPIENT', integer(1, 10_000), 5),
      perAddress: read('SHOEBOX_MAIL_PER_ADDRESS', integer(1, 1_000_000), 20),
      windowSeconds: read('SHOEBOX_MAIL_WINDOW_SECONDS', integer(1, 7 * 86_400), 3600),
    }),
    guests: Object.freeze({
      allow: Object.freeze(read('SHOEBOX_GUEST_ALLOW', fromModule(parseGuestActions), parseGuestActions('*'))),
      maxNotes: read('SHOEBOX_GUEST_MAX_NOTES', integer(0, 10_000_000), 0),
      // Guests store as much as accounts unless told otherwise.
      photoQuotaBytes: read('SHOEBOX_GUEST_PHOTO_QUOTA_BYTES', integer(0, 1024 ** 5), photoQuotaBytes),
      lifetimeDays: read('SHOEBOX_GUEST_LIFETIME_DAYS', integer(0, 36_500), 0),
      sweepSeconds: read('SHOEBOX_GUEST_SWEEP_SECONDS', integer(1, 86_400), 3600),
    }),
    backup: {
      place: read<BackupPlace | undefined>(
        'SHOEBOX_BACKUP_URL',
        fromModule((raw) => parseBackupPlace(raw, env, cwd)),
        undefined,
      ),
      intervalSeconds: read('SHOEBOX_BACKUP_INTERVAL_SECONDS', integer(1, 366 * 86_400), 86_400),
      keep: read('SHOEBOX_BACKUP_KEEP', integer(1, 100_000), 7),
    },
    webhooks: {
      allowedTargets: read('SHOEBOX_WEBHOOK_ALLOWED_HOSTS', fromModule(parseAllowedTargets), { hosts: [], networks: [] }),
      timeoutMs: read('SHOEBOX_WEBHOOK_TIMEOUT_MS', integer(100, 120_000), 10_000),
      retryPeriodSeconds: read('SHOEBOX_WEBHOOK_RETRY_PERIOD_SECONDS', integer(1, 30 * 86_400), 86_400),
      retryBaseMs: read('SHOEBOX_WEBHOOK_RETRY_BASE_MS', integer(1, 3_600_000), 1_000),
      retryMaxMs: read('SHOEBOX_WEBHOOK_RETRY_MAX_MS', integer(1, 86_400_000), 3_600_000),
    },
    realtimeHeartbeatSeconds: read('SHOEBOX_REALTIME_HEARTBEAT_SECONDS', integer(1, 300), 15),
  };
  if (config.backup.place !== undefined && config.databaseUrl !== undefined) {
    problems.push(
      'SHOEBOX_BACKUP_URL backs up the embedded engine; with SHOEBOX_DATABASE_URL set, back up PostgreSQL and the bucket with their own tools (see "Backups" in README.md)',
    );
  }
  if (config.mail.smtpUrl !== undefined && config.mail.smtpUrl !== 'log' && !env.SHOEBOX_MAIL_FROM?.trim()) {
    problems.push('SHOEBOX_MAIL_FROM must be set with an SMTP server: mail servers refuse a sender at localhost');
  }
  if (config.mail.smtpUrl !== undefined && config.mail.accountLinkUrl === undefined) {
    problems.push("SHOEBOX_ACCOUNT_LINK_URL must be set with SHOEBOX_SMTP_URL: every message carries a link to the app's handler");
  }
  if (config.stream.leaseMs < 2 * config.stream.pollMs) {
    problems.push(
      'SHOEBOX_STREAM_LEASE_MS must be at least twice SHOEBOX_STREAM_POLL_MS: a processor looks for work, and takes over a lapsed lease, once per poll',
    );
  }
  if (config.stream.retryMaxMs < config.stream.retryBaseMs) {
    problems.push('SHOEBOX_STREAM_RETRY_MAX_MS must not be below SHOEBOX_STREAM_RETRY_BASE_MS');
  }
  if (config.webhooks.retryMaxMs < config.webhooks.retryBaseMs) {
    problems.push('SHOEBOX_WEBHOOK_RETRY_MAX_MS must not be below SHOEBOX_WEBHOOK_RETRY_BASE_MS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    ...config,
    corsOrigins: Object.freeze([...config.corsOrigins]),
    trustProxy: config.trustProxy && Object.freeze([...config.trustProxy]),
    blobStore: config.blobStore && Object.freeze(config.blobStore),
    notes: Object.freeze(config.notes),
    stream: Object.freeze(config.stream),
    mail: config.mail,
    guests: config.guests,
    backup: Object.freeze(config.backup),
    webhooks: Object.freeze(config.webhooks),
  });
}

/** The effective configuration as `VARIABLE=value` lines, secrets redacted. */
export const describeConfig = (config: Config): string[] => configValues(config).map(([name, value]) => `${name}=${value}`);

/** The effective configuration as [VARIABLE, value] pairs, secrets redacted. */
export function configValues(config: Config): [string, unknown][] {
  return [
    ['SHOEBOX_HOST', config.host],
    ['SHOEBOX_PORT', config.port],
    ['SHOEBOX_DATA_DIR', config.dataDir],
    ['SHOEBOX_PUBLIC_URL', config.publicUrl],
    ['SHOEBOX_ADMIN_TOKEN', config.adminToken === undefined ? '(generated on first start, stored hashed)' : '[redacted]'],
    ['SHOEBOX_LOG_LEVEL', config.logLevel],
    ['SHOEBOX_CORS_ORIGINS', config.corsOrigins.join(',') || '(off)'],
    ['SHOEBOX_BODY_LIMIT_BYTES', config.bodyLimitBytes],
    ['SHOEBOX_SHUTDOWN_TIMEOUT_MS', config.shutdownTimeoutMs],
    ['SHOEBOX_HTTP_PROCESSES', config.httpProcesses],
    ['SHOEBOX_DEFAULT_RATE', config.defaultRate],
    ['SHOEBOX_DEFAULT_BURST', config.defaultBurst],
    ['SHOEBOX_TRUST_PROXY', config.trustProxy === false ? 'false' : config.trustProxy.join(',')],
    ['SHOEBOX_METRICS_HOST', config.metricsHost],
    ['SHOEBOX_METRICS_PORT', config.metricsPort ?? '(off: /metrics on the API port, behind the admin token)'],
    ['SHOEBOX_DEMO', config.demo ? 'on' : 'off'],
    ['SHOEBOX_PHOTO_MAX_BYTES', config.photoMaxBytes],
    ['SHOEBOX_PHOTO_QUOTA_BYTES', config.photoQuotaBytes],
    ['SHOEBOX_PHOTO_QUOTA_BYTES_PER_KEY', config.photoQuotaBytesPerKey],
    ['SHOEBOX_PHOTO_MAX_PIXELS', config.photoMaxPixels],
    ['SHOEBOX_SIGNED_URL_TTL_SECONDS', config.signedUrlTtlSeconds],
    ['SHOEBOX_DATABASE_URL', config.databaseUrl === undefined ? '(embedded SQLite in the data folder)' : redactUrl(config.databaseUrl)],
    ['SHOEBOX_DATABASE_POOL_SIZE', config.databasePoolSize],
    ['SHOEBOX_DATABASE_POOL_TIMEOUT_MS', config.databasePoolTimeoutMs],
    ['SHOEBOX_DATABASE_SCHEMA', config.databaseSchema],
    ['SHOEBOX_REDIS_URL', config.redisUrl === undefined ? '(off: limits kept in process)' : redactUrl(config.redisUrl)],
    ['SHOEBOX_REDIS_PREFIX', config.redisPrefix],
    ['SHOEBOX_BLOB_URL', config.blobStore === undefined ? '(embedded: files in the data folder)' : describeS3Location(config.blobStore)],
    ['SHOEBOX_BLOB_PUBLIC_URL', config.blobPublicUrl ?? `(off: public photos at ${config.publicUrl}/public/photos)`],
    ['SHOEBOX_TOKEN_AUDIENCE', config.identity.tokenAudience],
    ['SHOEBOX_ACCESS_TOKEN_TTL_SECONDS', config.identity.accessTokenTtlSeconds],
    ['SHOEBOX_REFRESH_TOKEN_TTL_SECONDS', config.identity.refreshTokenTtlSeconds],
    ['SHOEBOX_REFRESH_RETRY_WINDOW_SECONDS', config.identity.refreshRetryWindowSeconds],
    ['SHOEBOX_REAUTH_WINDOW_SECONDS', config.identity.reauthWindowSeconds],
    ['SHOEBOX_OIDC_PROVIDERS', config.identity.oidcProviders.length > 0 ? JSON.stringify(config.identity.oidcProviders) : '(none)'],
    ['SHOEBOX_LOGIN_FAILURES_PER_EMAIL', config.identity.loginFailuresPerEmail],
    ['SHOEBOX_LOGIN_FAILURES_EMAIL_CEILING', config.identity.loginFailuresPerEmailCeiling],
    ['SHOEBOX_LOGIN_FAILURES_PER_ADDRESS', config.identity.loginFailuresPerAddress],
    ['SHOEBOX_LOGIN_FAILURE_WINDOW_SECONDS', config.identity.loginFailureWindowSeconds],
    ['SHOEBOX_GUESTS_PER_ADDRESS', config.identity.guestsPerAddress],
    ['SHOEBOX_GUEST_WINDOW_SECONDS', config.identity.guestWindowSeconds],
    ['SHOEBOX_PASSWORD_SCRYPT_LOG_N', config.identity.passwordScryptLogN],
    ['SHOEBOX_NOTE_HEADLINE_MAX', config.notes.headlineMaxLength],
    ['SHOEBOX_NOTE_TEXT_MAX', config.notes.textMaxLength],
    ['SHOEBOX_NOTE_BATCH_BODY_LIMIT_BYTES', config.notes.batchBodyLimitBytes],
    ['SHOEBOX_STREAM_BATCH_SIZE', config.stream.batchSize],
    ['SHOEBOX_STREAM_MAX_ATTEMPTS', config.stream.maxAttempts],
    ['SHOEBOX_STREAM_RETRY_BASE_MS', config.stream.retryBaseMs],
    ['SHOEBOX_STREAM_RETRY_MAX_MS', config.stream.retryMaxMs],
    ['SHOEBOX_STREAM_POLL_MS', config.stream.pollMs],
    ['SHOEBOX_STREAM_LEASE_MS', config.stream.leaseMs],
    ['SHOEBOX_STREAM_RETENTION_HOURS', config.stream.retentionHours],
    ['SHOEBOX_STREAM_PARTITIONS', config.stream.partitions],
    ['SHOEBOX_REQUIRE_EMAIL_VERIFICATION', config.identity.emailVerificationRequired],
    ['SHOEBOX_VERIFY_TOKEN_TTL_SECONDS', config.identity.verifyTokenTtlSeconds],
    ['SHOEBOX_RESET_TOKEN_TTL_SECONDS', config.identity.resetTokenTtlSeconds],
    ['SHOEBOX_SMTP_URL', describeMailTransport(config.mail)],
    ['SHOEBOX_MAIL_FROM', config.mail.from],
    ['SHOEBOX_ACCOUNT_LINK_URL', config.mail.accountLinkUrl ?? '(off: flows that send mail answer 503 mail_not_configured)'],
    ['SHOEBOX_MAIL_TEMPLATES_DIR', config.mail.templatesDir ?? '(built-in templates)'],
    ['SHOEBOX_APP_NAME', config.mail.appName],
    ['SHOEBOX_MAIL_PER_RECIPIENT', config.mail.perRecipient],
    ['SHOEBOX_MAIL_PER_ADDRESS', config.mail.perAddress],
    ['SHOEBOX_MAIL_WINDOW_SECONDS', config.mail.windowSeconds],
    ['SHOEBOX_GUEST_ALLOW', config.guests.allow.join(',') || 'none'],
    ['SHOEBOX_GUEST_MAX_NOTES', config.guests.maxNotes || '(no cap)'],
    ['SHOEBOX_GUEST_PHOTO_QUOTA_BYTES', config.guests.photoQuotaBytes],
    ['SHOEBOX_GUEST_LIFETIME_DAYS', config.guests.lifetimeDays || '(guests are kept)'],
    ['SHOEBOX_GUEST_SWEEP_SECONDS', config.guests.sweepSeconds],
    ['SHOEBOX_BACKUP_URL', config.backup.place === undefined ? '(off: no scheduled backups)' : describeBackupPlace(config.backup.place)],
    ['SHOEBOX_BACKUP_INTERVAL_SECONDS', config.backup.intervalSeconds],
    ['SHOEBOX_BACKUP_KEEP', config.backup.keep],
    [
      'SHOEBOX_WEBHOOK_ALLOWED_HOSTS',
      [...config.webhooks.allowedTargets.hosts, ...config.webhooks.allowedTargets.networks].join(',') || '(none: private targets refused)',
    ],
    ['SHOEBOX_WEBHOOK_TIMEOUT_MS', config.webhooks.timeoutMs],
    ['SHOEBOX_WEBHOOK_RETRY_PERIOD_SECONDS', config.webhooks.retryPeriodSeconds],
    ['SHOEBOX_WEBHOOK_RETRY_BASE_MS', config.webhooks.retryBaseMs],
    ['SHOEBOX_WEBHOOK_RETRY_MAX_MS', config.webhooks.retryMaxMs],
    ['SHOEBOX_REALTIME_HEARTBEAT_SECONDS', config.realtimeHeartbeatSeconds],
  ];
}
