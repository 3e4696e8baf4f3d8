import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static, TSchema } from 'typebox';
import { Problem } from '../errors.js';

const newAjv = (coerceTypes: boolean | 'array') => {
  // Unknown fields are an error, never silently removed.
  const ajv = new Ajv({ coerceTypes, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
  addFormats.default(ajv);
  return ajv;
};

/** Exact types: for JSON bodies and values built in code. */
export const strictAjv = newAjv(false);
/** Coerces strings to the declared types: for query strings, parameters, headers and CLI flags. */
export const coercingAjv = newAjv('array');

/** Checks a value against a TypeBox schema, or throws a validation problem naming the field. */
export function assertValid<T extends TSchema>(schema: T, value: unknown, label: string): Static<T> {
  const check = coercingAjv.compile(schema);
  if (check(value)) return value as Static<T>;
  throw invalid(check.errors, label);
}

/**
 * A compiled exact check of JSON values (parsed bodies, lines of a file) against a TypeBox schema:
 * the value, or a validation problem naming the field under `label`. Compiled once, on the first
 * check: routes make theirs while the server starts, and the first compile (Ajv's meta-schema
 * with it) cost a tenth of a start.
 */
export function jsonChecker<T extends TSchema>(schema: T): (value: unknown, label: string) => Static<T> | Problem {
  let check: ValidateFunction | undefined;
  return (value, label) => {
    check ??= strictAjv.compile(schema);
    return check(value) ? (value as Static<T>) : invalid(check.errors, label);
  };
}

const invalid = (errors: ErrorObject[] | null | undefined, label: string): Problem => {
  const first = errors?.[0];
  return new Problem('validation_failed', first ? `${label}${describePath(first)} ${first.message}` : `${label} is not valid`);
};

/** `.field.inner`, naming an unknown or missing property too. */
const describePath = (error: ErrorObject) => {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const property = error.params.additionalProperty ?? error.params.missingProperty;
  return [path, typeof property === 'string' ? property : '']
    .filter(Boolean)
    .map((part) => `.${part}`)
    .join('');
};
