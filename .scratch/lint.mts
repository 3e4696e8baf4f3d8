import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
const config = await createConfig({ extends: ['recommended'] });
const problems = await lintFromString({ source: readFileSync(process.argv[2] ?? '/tmp/wt13-openapi.json', 'utf8'), config });
const counts: Record<string, number> = {};
for (const p of problems) counts[`${p.severity} ${p.ruleId}`] = (counts[`${p.severity} ${p.ruleId}`] ?? 0) + 1;
console.log(counts);
for (const p of problems.slice(0, Number(process.argv[3] ?? 10))) console.log(p.severity, p.ruleId, p.message, p.location?.[0]?.pointer);
