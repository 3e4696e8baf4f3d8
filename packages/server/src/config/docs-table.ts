import { Derived, type Table, Variable, variablesOf } from './variable.js';
import { VARIABLES } from './variables.js';

/**
 * README's tables of variables, generated from the table of variables.ts (`npm run docs:config`).
 * Each sits between `<!-- config-table: SELECTORS -->` and `<!-- /config-table -->`, where a
 * selector is `all`, a group of `Config` (`mail`, `guests`, …) or a variable's name.
 */

const BLOCK = /(<!-- config-table: ([^>]*?) -->\n)[\s\S]*?(<!-- \/config-table -->)/g;

/** The document with every table between markers generated again; throws on a selector that names nothing. */
export function withConfigTables(markdown: string): string {
  return markdown.replace(BLOCK, (_, opening: string, selectors: string, closing: string) => {
    const chosen = selectors.split(/\s+/).flatMap(select);
    return `${opening}\n${configTable(chosen)}\n\n${closing}`;
  });
}

function select(selector: string): Variable<unknown>[] {
  const all = [...variablesOf(VARIABLES)];
  if (selector === 'all') return all.map(({ variable }) => variable);
  const chosen = all.filter(({ variable, path }) => variable.name === selector || (path.length > 1 && path[0] === selector));
  if (chosen.length === 0) throw new Error(`config-table: "${selector}" is neither all, a group of ${groups().join(', ')}, nor a variable`);
  return chosen.map(({ variable }) => variable);
}

const groups = () => Object.entries(VARIABLES as Table).flatMap(([key, entry]) => (entry instanceof Variable ? [] : [key]));

/** A Markdown table, its columns padded so that the source reads as a table too. */
function configTable(variables: readonly Variable<unknown>[]): string {
  const rows = [
    ['variable', 'default', 'what it does', 'example'],
    ...variables.map((variable) => [`\`${variable.name}\``, defaultCell(variable), variable.description, code(variable.example)]),
  ].map((row) => row.map((cell) => cell.replaceAll('|', '\\|')));
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/** The default as the docs say it: a value in code, with what it means when that differs (`0` (no cap)). */
function defaultCell(variable: Variable<unknown>): string {
  if (variable.fallback instanceof Derived) return variable.fallback.text;
  if (variable.unset !== undefined) return variable.unset;
  const value = variable.fallback;
  const shown = variable.show(value);
  if (typeof value !== 'object') return String(value) === shown ? code(shown) : `${code(String(value))} ${shown}`;
  return shown.startsWith('(') ? shown.slice(1, -1) : code(shown);
}

/** Inline code that holds backticks too. */
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
