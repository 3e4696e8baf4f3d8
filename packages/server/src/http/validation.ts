import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { coercingAjv, strictAjv } from '../shared/validate.js';

/*
 * Fastify compiles every route's validators and serializers when the app becomes ready: about
 * half of a start, and memory for routes a deployment may never serve. Both compilers here compile
 * a schema on its first use instead. The schemas are fixed in code, and every route's tests use
 * them, so a broken one still shows up before release, not first in production.
 */

/**
 * Bodies are JSON, so their types are checked exactly ("5" is not a number). Query strings,
 * parameters and headers only carry strings and are coerced to the declared types.
 */
export const schemaCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  let validate: ValidateFunction | undefined;
  // Fastify reads the errors of a failed validation from the function it was given.
  const onFirstUse = (data: unknown) => {
    validate ??= (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema as object);
    const valid = validate(data);
    onFirstUse.errors = validate.errors;
    return valid;
  };
  onFirstUse.errors = undefined as ValidateFunction['errors'];
  return onFirstUse;
};

const buildFastJsonStringify = SerializerSelector();

/** Fastify's own serializer compiler (fast-json-stringify, with the shared schemas), compiling on first use. */
export const buildSerializer: SerializerSelector.SerializerFactory = (externalSchemas, options) => {
  const compile = buildFastJsonStringify(externalSchemas, options);
  return (route) => {
    let serialize: SerializerSelector.Serializer | undefined;
    return (data) => {
      serialize ??= compile(route);
      return serialize(data);
    };
  };
};
