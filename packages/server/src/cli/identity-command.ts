import { Command } from 'commander';
import type { IdentityView } from '../identity/service.js';
import { identityJson } from '../identity/views.js';
import { print, withShoebox } from './with-shoebox.js';

/** `shoebox identity …` works on the database directly, like `shoebox keys`: no running server or admin token needed. */
export function identityCommand(): Command {
  const identity = new Command('identity').description('Manage identities and the keys that sign their access tokens');

  identity
    .command('list')
    .description('List identities, oldest first')
    .option('--limit <n>', 'how many (1 to 200)', '50')
    .option('--cursor <cursor>', 'continue after a previous page')
    .option('--email <email>', 'only the identity whose password login has this email')
    .option('--json', 'print JSON')
    .action((flags: { limit: string; cursor?: string; email?: string; json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new Error('--limit must be a whole number from 1 to 200');
        const page =
          flags.email === undefined
            ? await shoebox.identities.list(limit, flags.cursor)
            : await shoebox.identities.findByEmail(flags.email);
        if (flags.json) return print({ identities: page.identities.map(identityJson), nextCursor: page.nextCursor });
        const lines = page.identities.map(line);
        if (page.nextCursor) lines.push(`More: --cursor ${page.nextCursor}`);
        print(lines.length === 0 ? 'No identities.' : lines.join('\n'));
      }),
    );

  identity
    .command('show <id>')
    .description('Show one identity with its logins')
    .option('--json', 'print JSON')
    .action((id: string, flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const view = await shoebox.identities.get(id);
        if (flags.json) return print(identityJson(view));
        const logins = view.logins.map((login) => `  ${login.provider}: ${login.subject} (linked ${login.linkedAt.toISOString()})`);
        print([line(view), ...(logins.length > 0 ? ['Logins:', ...logins] : ['No logins (guest).'])].join('\n'));
      }),
    );

  identity
    .command('disable <id>')
    .description('Disable an identity: its tokens stop working at once')
    .option('--json', 'print JSON')
    .action((id: string, flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const view = await shoebox.identities.disable(id);
        print(flags.json ? identityJson(view) : `Disabled ${view.id}.`);
      }),
    );

  identity
    .command('enable <id>')
    .description('Enable a disabled identity again')
    .option('--json', 'print JSON')
    .action((id: string, flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const view = await shoebox.identities.enable(id);
        print(flags.json ? identityJson(view) : `Enabled ${view.id}.`);
      }),
    );

  identity
    .command('delete <id>')
    .description('Delete an identity and everything it owns (notes, photos, logins, sessions): irreversible')
    .option('--yes', 'confirm the deletion')
    .action((id: string, flags: { yes?: boolean }) =>
      withShoebox(async (shoebox) => {
        const view = await shoebox.identities.get(id);
        if (!flags.yes) throw new Error(`This deletes ${view.id} and everything it owns. Run again with --yes to confirm.`);
        await shoebox.identities.delete(view.id);
        print(`Deleted ${view.id} and everything it owned.`);
      }),
    );

  identity
    .command('reset-password <id>')
    .description('Force a password reset: the password stops working, every session ends, a reset link is mailed')
    .option('--json', 'print JSON')
    .action((id: string, flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const { identity: view, mailed } = await shoebox.identities.forcePasswordReset(id);
        if (flags.json) return print({ identity: identityJson(view), mailed });
        print(
          mailed
            ? `Reset ${view.id}: signed out everywhere; a reset link is queued and goes out from the running server or worker.`
            : `Reset ${view.id}: signed out everywhere. Mail is not configured, so no link was sent: set SHOEBOX_SMTP_URL, then the user can ask for one.`,
        );
      }),
    );

  identity
    .command('reset-mfa <id>')
    .description("Remove an identity's second factor (the user lost the authenticator and the recovery codes)")
    .action((id: string) =>
      withShoebox(async (shoebox) => {
        const view = await shoebox.identities.resetMfa(id);
        print(`Removed the second factor of ${view.id}.`);
      }),
    );

  identity
    .command('rotate-key')
    .description('Sign access tokens with a new key; the old key keeps verifying until its tokens expire')
    .option('--revoke-old', 'after a leak: the old key stops verifying at once, in every process')
    .option('--json', 'print JSON')
    .action((flags: { revokeOld?: boolean; json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const rotation = await shoebox.identities.rotateSigningKey({ revokeOld: flags.revokeOld === true });
        const until = rotation.retiredVerifyUntil.toISOString();
        if (flags.json) return print({ kid: rotation.kid, retired: rotation.retired, retiredVerifyUntil: until });
        const retired = rotation.retired.join(', ') || '(none)';
        print(
          flags.revokeOld
            ? `New signing key ${rotation.kid}.\nRevoked ${retired}: every process refuses its tokens from its next request; clients refresh to get new ones.`
            : `New signing key ${rotation.kid}.\nRetired ${retired}: still verifying until ${until}.`,
        );
      }),
    );

  return identity;
}

const line = (view: IdentityView) =>
  `${view.id}  ${view.kind}  created ${view.createdAt.toISOString()}${view.disabledAt ? '  DISABLED' : ''}${view.mergedInto ? `  merged into ${view.mergedInto}` : ''}`;
