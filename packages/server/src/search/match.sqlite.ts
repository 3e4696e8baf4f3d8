import type { SearchQuery, Term } from './query.js';

/**
 * Builds an FTS5 MATCH expression from a parsed query. Every term becomes a double-quoted FTS5
 * string (quotes doubled), so nothing the user typed is read as FTS5 syntax: no column filters,
 * no NEAR, no operators. The user's terms are confined to the headline and text columns; the
 * scope column is matched only with the token given here.
 */
export function matchExpression(query: SearchQuery, scopeToken: string): string {
  const positive = query.groups.map((group) => (group.length === 1 ? group.map(quote).join('') : `(${group.map(quote).join(' OR ')})`));
  let expression = `scope : ${quote({ text: scopeToken, prefix: false })} AND {headline text} : (${positive.join(' AND ')})`;
  if (query.excluded.length > 0) expression += ` NOT {headline text} : (${query.excluded.map(quote).join(' OR ')})`;
  return expression;
}

const quote = (term: Term): string => `"${term.text.replaceAll('"', '""')}"${term.prefix ? '*' : ''}`;

/** The query's words alone, for highlighting documents already found in scope. */
export const termsExpression = (query: SearchQuery): string =>
  `{headline text} : (${query.groups.map((group) => `(${group.map(quote).join(' OR ')})`).join(' AND ')})`;
