import type { OidcProviderConfig } from './oidc-providers.js';
import { Invalid, type ParseContext } from './parsers.js';
import { type DefaultContext, type Table, type ValuesOf, Variable, variablesOf } from './variable.js';
import { VARIABLES } from './variables.js';

/**
 * The only reader of the environment in Shoebox (with environment.ts, which reads `.env`).
 * Everything else receives the frozen `Config` built here from the table of variables.ts, so a
 * value is parsed and validated exactly once, at start.
 */

export type Config = ValuesOf<typeof VARIABLES> & {
  /** Whether SHOEBOX_PUBLIC_URL was given; otherwise `publicUrl` comes from this process's host and port. */
  readonly publicUrlSet: boolean;
};

export { loadEnv } from './environment.js';
export type { LogLevel } from './variables.js';
export type { OidcProviderConfig };
export type IdentityConfig = Config['identity'];
/** Bounds of a note, stated in the OpenAPI document and enforced by the schemas built from them. */
export type NoteLimits = Config['notes'];
/** How the change-stream processor reads, retries and prunes; one partition per consumer unless told otherwise. */
export type StreamSettings = Omit<Config['stream'], 'partitions'> & { readonly partitions?: number };
export type WebhookSettings = Config['webhooks'];
/** Backups `serve` writes by itself (backup/schedule.ts); `place` unset: none. */
export type BackupSchedule = Config['backup'];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Builds the frozen configuration, or throws a ConfigError with one line per bad variable or combination. */
export function parseConfig(env: Env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const values = new Map<Variable<unknown>, unknown>();
  const context: DefaultContext = {
    env,
    cwd,
    // Read on demand and kept, so a default may use another variable's value wherever that one sits in the table.
    valueFor: <U>(variable: Variable<U>): U => {
      if (!values.has(variable)) values.set(variable, read(variable, context, problems));
      return values.get(variable) as U;
    },
  };
  const build = (table: Table): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(table).map(([key, entry]) => [key, entry instanceof Variable ? context.valueFor(entry) : build(entry)]),
    );
  const config = { ...build(VARIABLES), publicUrlSet: Boolean(env.SHOEBOX_PUBLIC_URL?.trim()) } as Config;
  problems.push(...combinationProblems(config, env));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** A variable's value: parsed when set (an empty value counts as unset), its default otherwise or when invalid. */
function read<T>(variable: Variable<T>, context: DefaultContext, problems: string[]): T {
  const raw = context.env[variable.name];
  if (raw === undefined || raw === '') return variable.defaultValue(context);
  try {
    return variable.parse(raw.trim(), context satisfies ParseContext);
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    const shown = variable.secret ? '(hidden)' : JSON.stringify(raw);
    problems.push(`${variable.name}=${shown} is wrong: ${error.message}`);
    return variable.defaultValue(context);
  }
}

/** Settings valid one by one that do not work together; each message says what to change. */
function combinationProblems(config: Config, env: Env): string[] {
  const problems: string[] = [];
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
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Every variable Shoebox reads, in the table's order. */
export const KNOWN_VARIABLES: readonly Variable<unknown>[] = [...variablesOf(VARIABLES)].map(({ variable }) => variable);

/** Each variable with its effective value as `shoebox config` prints it, secrets redacted, and the value itself. */
export function configEntries(config: Config): { variable: Variable<unknown>; shown: string; value: unknown }[] {
  return [...variablesOf(VARIABLES)].map(({ variable, path }) => {
    const value = path.reduce<unknown>((group, key) => (group as Record<string, unknown>)[key], config);
    return { variable, shown: variable.show(value), value };
  });
}

/** The effective configuration as [VARIABLE, value] pairs, secrets redacted: numbers that print as themselves stay numbers. */
export function configValues(config: Config): [string, string | number][] {
  return configEntries(config).map(({ variable, shown, value }) => [
    variable.name,
    typeof value === 'number' && String(value) === shown ? value : shown,
  ]);
}

/** The effective configuration as `VARIABLE=value` lines, secrets redacted. */
export const describeConfig = (config: Config): string[] => configEntries(config).map(({ variable, shown }) => `${variable.name}=${shown}`);
