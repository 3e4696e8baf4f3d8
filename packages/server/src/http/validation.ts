import type { FastifySchemaCompiler } from 'fastify';
import { coercingAjv, strictAjv } from '../shared/validate.js';

/**
 * Bodies are JSON, so their types are checked exactly ("5" is not a number). Query strings,
 * parameters and headers only carry strings and are coerced to the declared types.
 */
export const schemaCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema as object);
