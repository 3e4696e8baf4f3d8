import { Command } from 'commander';
import { assertValid } from '../shared/validate.js';
import { CreateWebhookSchema, DeliveryQuery, RotateSecretSchema } from '../webhooks/schemas.js';
import type { Webhook } from '../webhooks/store.js';
import { deliveryJson, webhookJson } from '../webhooks/views.js';
import { print, withShoebox } from './with-shoebox.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const line = (webhook: Webhook) =>
  `${webhook.id}  ${webhook.url}  ${webhook.events.join(',')}${webhook.paused ? '  PAUSED' : ''}${webhook.description ? `  ${webhook.description}` : ''}`;

/** `shoebox webhooks …` works on the database directly, like `shoebox keys`: no running server or admin token needed. */
export function webhooksCommand(): Command {
  const webhooks = new Command('webhooks').description('Manage webhooks, read their delivery logs and re-drive dead letters');

  webhooks
    .command('add')
    .description('Register a webhook and print its signing secret (shown once)')
    .requiredOption('--url <url>', 'where deliveries are POSTed')
    .requiredOption('--event <type>', 'an event type to send (repeat for several), e.g. note.created', collect)
    .option('--description <text>', 'what the webhook is for')
    .option('--json', 'print JSON')
    .action((flags: { url: string; event: string[]; description?: string; json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const input = assertValid(
          CreateWebhookSchema,
          { url: flags.url, events: flags.event, ...(flags.description !== undefined && { description: flags.description }) },
          'webhook',
        );
        const { webhook, secret } = await shoebox.webhooks.service.create(input);
        if (flags.json) return print({ ...webhookJson(webhook), secret });
        print(`Registered ${line(webhook)}\nSigning secret (shown once, store it now):\n${secret}`);
      }),
    );

  webhooks
    .command('list')
    .description('List webhooks (secrets are never shown again)')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const all = await shoebox.webhooks.service.list();
        if (flags.json) return print({ webhooks: all.map(webhookJson) });
        print(all.length === 0 ? 'No webhooks.' : all.map(line).join('\n'));
      }),
    );

  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    webhooks
      .command(`${name} <id>`)
      .description(paused ? 'Pause a webhook: its deliveries queue up until it is resumed' : 'Resume a paused webhook')
      .option('--json', 'print JSON')
      .action((id: string, flags: { json?: boolean }) =>
        withShoebox(async (shoebox) => {
          const webhook = await shoebox.webhooks.service.update(id, { paused });
          print(flags.json ? webhookJson(webhook) : line(webhook));
        }),
      );
  }

  webhooks
    .command('rotate-secret <id>')
    .description('Make a new signing secret; the old one keeps signing during the grace period')
    .option('--grace-seconds <seconds>', 'how long the old secret signs too', '86400')
    .option('--json', 'print JSON')
    .action((id: string, flags: { graceSeconds: string; json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const { graceSeconds } = assertValid(RotateSecretSchema, { graceSeconds: flags.graceSeconds }, 'rotation');
        const { webhook, secret } = await shoebox.webhooks.service.rotateSecret(id, graceSeconds ?? 86_400);
        if (flags.json) return print({ ...webhookJson(webhook), secret });
        print(`New signing secret of ${webhook.id} (shown once, store it now):\n${secret}`);
      }),
    );

  webhooks
    .command('remove <id>')
    .description('Remove a webhook with its queued deliveries and log')
    .action((id: string) =>
      withShoebox(async (shoebox) => {
        await shoebox.webhooks.service.delete(id);
        print(`Removed ${id}.`);
      }),
    );

  webhooks
    .command('deliveries <id>')
    .description("A webhook's delivery log, newest first")
    .option('--status <status>', 'only pending, delivered or dead deliveries')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action((id: string, flags: { status?: string; limit: string; json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const query = assertValid(
          DeliveryQuery,
          { limit: flags.limit, ...(flags.status !== undefined && { status: flags.status }) },
          'query',
        );
        const log = await shoebox.webhooks.service.deliveries(id, query);
        if (flags.json) return print({ deliveries: log.map(deliveryJson) });
        print(
          log.length === 0
            ? 'No deliveries.'
            : log
                .map(
                  (d) =>
                    `${d.id}  ${d.type}  ${d.status}  attempts ${d.attempts}  ${d.lastStatusCode ?? '-'}  ${d.latencyMs ?? '-'} ms${d.lastError ? `  ${d.lastError}` : ''}`,
                )
                .join('\n'),
        );
      }),
    );

  webhooks
    .command('redrive <id>')
    .description("Send a webhook's dead letters again, with a fresh retry period")
    .option('--delivery <deliveryId>', 'only this dead letter')
    .option('--json', 'print JSON')
    .action((id: string, flags: { delivery?: string; json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const redriven = await shoebox.webhooks.service.redrive(id, flags.delivery);
        print(flags.json ? { redriven } : `Re-driven: ${redriven}.`);
      }),
    );

  return webhooks;
}
