// npm run bench [-- --only <name>[,<name>]]: runs the benchmarks and rewrites their sections of docs/benchmarks.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchRow, type BenchScenario, machine } from './lib.js';
import { scenarios } from './scenarios/index.js';

const DOC = resolve(import.meta.dirname, '../docs/benchmarks.md');
const HEADER = `# Benchmarks

Produced by \`npm run bench\` (one scenario: \`npm run bench -- --only <name>\`), which starts what it
measures on loopback, drives it and rewrites its section below. The machine is shared and noisy, so
each figure that matters is a ratio against a baseline measured in the same run.
`;

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const wanted = values.only?.split(',');
const selected = scenarios.filter((scenario) => !wanted || wanted.includes(scenario.name));
if (selected.length === 0) {
  process.stderr.write(`No such scenario. Choose from: ${scenarios.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}

let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
for (const scenario of selected) {
  process.stdout.write(`\n▶ ${scenario.title}\n`);
  const rows = await scenario.run();
  if (rows.length === 0) {
    process.stdout.write('  no figures: its section is left as it was\n');
    continue;
  }
  const section = render(scenario, rows);
  process.stdout.write(`${section}\n`);
  doc = replaceSection(doc, scenario.name, section);
  writeFileSync(DOC, doc);
}
process.stdout.write(`\nWrote ${DOC}\n`);

function render(scenario: BenchScenario, rows: BenchRow[]): string {
  const table = [
    '| metric | value | ratio to baseline | goal |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${row.metric} | ${row.value} | ${row.ratio ?? ''} | ${row.goal ?? ''} |`),
  ].join('\n');
  return [
    `## ${scenario.title}`,
    '',
    scenario.description,
    '',
    `Command: \`npm run bench -- --only ${scenario.name}\` · ${new Date().toISOString().slice(0, 10)} · ${machine()}`,
    '',
    table,
  ].join('\n');
}

function replaceSection(text: string, name: string, section: string): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${section}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) return `${text.trimEnd()}\n\n${block}\n`;
  return `${text.slice(0, from)}${block}${text.slice(to + end.length)}`;
}
