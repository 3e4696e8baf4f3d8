import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

type Env = Record<string, string | undefined>;

/** Where a variable's value came from, as `shoebox config` says it. */
export type Origin = 'environment' | '.env' | 'default';

/** The variables Shoebox sees: the process's environment over a `.env` file in the working directory. */
export interface Environment {
  readonly env: Env;
  /** The `.env` file read, if there was one. */
  readonly file: string | undefined;
  /** Variables whose value comes from the file: the process's environment did not set them. */
  readonly fromFile: ReadonlySet<string>;
}

/** Reads `.env` from the working directory, if present. Real environment variables win over it. */
export function readEnvironment(cwd = process.cwd(), env: Env = process.env): Environment {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return { env: { ...env }, file: undefined, fromFile: new Set() };
  const fileEnv = parseEnv(readFileSync(file, 'utf8'));
  return { env: { ...fileEnv, ...env }, file, fromFile: new Set(Object.keys(fileEnv).filter((name) => !(name in env))) };
}

/** The merged variables of `readEnvironment`. */
export const loadEnv = (cwd = process.cwd(), env: Env = process.env): Env => readEnvironment(cwd, env).env;

/** Where the value of `name` came from; an empty value counts as unset, as the parsers read it. */
export function originOf(environment: Environment, name: string): Origin {
  if (!environment.env[name]) return 'default';
  return environment.fromFile.has(name) ? '.env' : 'environment';
}
