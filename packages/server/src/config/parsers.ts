import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

/** What a parser may read besides its own value: the whole environment (the AWS variables) and the folder paths are relative to. */
export interface ParseContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** Turns a variable's trimmed, non-empty value into its typed value, or throws `Invalid`. */
export type Parser<T> = (raw: string, context: ParseContext) => T;

/** Thrown by parsers; the message completes "NAME=value is wrong: ...". */
export class Invalid extends Error {}

export const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new Invalid(`expected a whole number from ${min} to ${max}`);
    }
    return Number(raw);
  };

export const positiveNumber =
  (max: number): Parser<number> =>
  (raw) => {
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value <= 0 || value > max) {
      throw new Invalid(`expected a number above 0 and at most ${max}`);
    }
    return value;
  };

/** A number of processes, or `auto`: one per core this process may use. */
export const processCount: Parser<number> = (raw) => {
  if (raw === 'auto') return availableParallelism();
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64)
    throw new Invalid('expected auto (one per core) or a whole number from 1 to 64');
  return Number(raw);
};

export const oneOf =
  <T extends string>(values: readonly T[]): Parser<T> =>
  (raw) => {
    if (!values.includes(raw as T)) throw new Invalid(`expected one of ${values.join(', ')}`);
    return raw as T;
  };

/** A switch spelled by two words, e.g. `on`/`off`: anything else is refused rather than read as off. */
export const toggle = (yes: string, no: string): Parser<boolean> => {
  const word = oneOf([yes, no]);
  return (raw, context) => word(raw, context) === yes;
};

/** A path, relative to the working directory unless absolute. */
export const path: Parser<string> = (raw, { cwd }) => resolve(cwd, raw);

export const host: Parser<string> = (raw) => {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(raw)) throw new Invalid('expected a host name or IP address, e.g. 127.0.0.1 or 0.0.0.0');
  return raw;
};

/** An absolute http(s) URL, without its trailing slashes. */
export const httpUrl: Parser<string> = (raw) => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Invalid('expected an absolute http(s) URL, e.g. https://api.example.com');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Invalid('expected an http or https URL');
  return raw.replace(/\/+$/, '');
};

export const secret: Parser<string> = (raw) => {
  if (raw.length < 24 || raw.length > 256 || /\s/.test(raw)) {
    throw new Invalid('expected 24 to 256 characters without spaces (try: openssl rand -hex 32)');
  }
  return raw;
};

export const postgresUrl: Parser<string> = (raw) => {
  if (!/^postgres(ql)?:\/\/\S+$/.test(raw)) throw new Invalid('expected a PostgreSQL URL like postgres://user:password@host:5432/shoebox');
  return raw;
};

export const redisUrl: Parser<string> = (raw) => {
  if (!/^rediss?:\/\/\S+$/.test(raw)) throw new Invalid('expected a Redis URL like redis://127.0.0.1:6379/0 (rediss:// for TLS)');
  return raw;
};

export const originList: Parser<string[]> = (raw) => {
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
export const accountLinkUrl: Parser<string> = (raw) => {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s?#]+$/i.test(raw) || raw.length > 500) {
    throw new Invalid('expected an absolute URL without query, e.g. https://app.example.com/account or photoapp://account');
  }
  return raw;
};

export const appName: Parser<string> = (raw) => {
  if (raw.length > 64 || /[<>]/.test(raw) || [...raw].some((char) => char.charCodeAt(0) < 0x20))
    throw new Invalid('expected 1 to 64 characters, no control characters or < >');
  return raw;
};

export const audience: Parser<string> = (raw) => {
  if (!/^[\x21-\x7e]{1,200}$/.test(raw)) throw new Invalid('expected 1 to 200 printable characters without spaces');
  return raw;
};

export const databaseSchema: Parser<string> = (raw) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new Invalid('expected a lower-case SQL identifier, e.g. shoebox');
  // Shoebox's schema is its own: `shoebox destroy` drops it whole, so it must never be a shared one.
  if (raw === 'public' || raw === 'information_schema' || raw.startsWith('pg_')) {
    throw new Invalid('expected a schema of Shoebox’s own, not one PostgreSQL or other applications share (shoebox destroy drops it)');
  }
  return raw;
};

export const redisPrefix: Parser<string> = (raw) => {
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(raw)) throw new Invalid('expected 1 to 64 of A-Z a-z 0-9 : _ . -');
  return raw;
};

/** Adapts a parser kept beside its capability, which throws plain errors, to `Invalid`. */
export const fromModule =
  <T>(parse: (raw: string, context: ParseContext) => T): Parser<T> =>
  (raw, context) => {
    try {
      return parse(raw, context);
    } catch (error) {
      throw new Invalid((error as Error).message);
    }
  };
