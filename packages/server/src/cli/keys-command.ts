import { Command, Option } from 'commander';
import { apiKeyJson, mergePlan } from '../keys/plans.js';
import { PlanInputSchema } from '../keys/schemas.js';
import type { ApiKey } from '../keys/store.js';
import { assertValid } from '../shared/validate.js';
import { print, withShoebox } from './with-shoebox.js';

interface PlanFlags {
  rate?: string;
  burst?: string;
  quotaLimit?: string;
  quotaPeriod?: string;
  quota?: boolean;
  json?: boolean;
}

/** `shoebox keys …` works on the database directly: no running server or admin token needed. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('Manage API keys and their usage plans');

  withPlanFlags(keys.command('create').description('Create an API key and print its secret (shown once)'))
    .requiredOption('--name <name>', 'what the key is for, e.g. "iOS app"')
    .action((flags: PlanFlags & { name: string }) =>
      withShoebox(async (shoebox) => {
        const input = assertValid(PlanInputSchema, planInput(flags), 'plan');
        const { apiKey, secret } = await shoebox.keys.create(flags.name.trim(), mergePlan(shoebox.defaultPlan, input));
        if (flags.json) return print({ ...apiKeyJson(apiKey), key: secret });
        print(`Created ${apiKey.id} (${apiKey.name}), ${planText(apiKey)}.\nSecret (shown once, store it now):\n${secret}`);
      }),
    );

  keys
    .command('list')
    .description('List every key with its plan (secrets are never shown again)')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const all = await shoebox.keys.list();
        if (flags.json) return print({ keys: all.map(apiKeyJson) });
        print(
          all.length === 0
            ? 'No API keys.'
            : all.map((key) => `${key.id}  ${key.prefix}…  ${key.name}  ${planText(key)}${key.revokedAt ? '  REVOKED' : ''}`).join('\n'),
        );
      }),
    );

  keys
    .command('show <id>')
    .description("Show one key with this period's quota usage")
    .option('--json', 'print JSON')
    .action((id: string, flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const { apiKey, usage } = await shoebox.keys.get(id);
        if (flags.json) return print({ ...apiKeyJson(apiKey), usage });
        const usageText = usage
          ? `\nUsage: ${usage.used} of ${usage.limit} this ${usage.period}, resets ${usage.resetsAt.toISOString()}`
          : '';
        print(`${apiKey.id}  ${apiKey.name}  ${planText(apiKey)}${apiKey.revokedAt ? '  REVOKED' : ''}${usageText}`);
      }),
    );

  keys
    .command('revoke <id>')
    .description('Revoke a key: it stops working within one second')
    .option('--json', 'print JSON')
    .action((id: string, flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const apiKey = await shoebox.keys.revoke(id);
        print(flags.json ? apiKeyJson(apiKey) : `Revoked ${apiKey.id} (${apiKey.name}).`);
      }),
    );

  withPlanFlags(keys.command('set-plan <id>').description("Change a key's rate limit or quota"))
    .addOption(new Option('--no-quota', 'remove the quota'))
    .action((id: string, flags: PlanFlags) =>
      withShoebox(async (shoebox) => {
        const input = assertValid(PlanInputSchema, planInput(flags), 'plan');
        const { apiKey } = await shoebox.keys.get(id);
        const updated = await shoebox.keys.setPlan(apiKey.id, mergePlan(apiKey.plan, input));
        print(flags.json ? apiKeyJson(updated) : `Updated ${updated.id}: ${planText(updated)}.`);
      }),
    );

  return keys;
}

const withPlanFlags = (command: Command) =>
  command
    .option('--rate <n>', 'requests per second refilled into the bucket')
    .option('--burst <n>', 'bucket capacity: requests allowed at once')
    .option('--quota-limit <n>', 'requests allowed per period')
    .addOption(new Option('--quota-period <period>', 'quota period (UTC)').choices(['day', 'week', 'month']))
    .option('--json', 'print JSON');

/** Builds the same plan input the admin API takes, so one schema validates both. */
function planInput(flags: PlanFlags): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (flags.rate !== undefined || flags.burst !== undefined) {
    input.rateLimit = { ...(flags.rate !== undefined && { rate: flags.rate }), ...(flags.burst !== undefined && { burst: flags.burst }) };
  }
  if (flags.quota === false) input.quota = null;
  else if (flags.quotaLimit !== undefined || flags.quotaPeriod !== undefined)
    input.quota = { limit: flags.quotaLimit, period: flags.quotaPeriod };
  return input;
}

const planText = (key: ApiKey) =>
  `${key.plan.rate} req/s, bursts of ${key.plan.burst}${key.plan.quota ? `, ${key.plan.quota.limit} per ${key.plan.quota.period}` : ', no quota'}`;
