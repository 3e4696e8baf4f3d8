import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { Problem } from '../errors.js';
import { SHOEBOX_VERSION } from '../shared/version.js';
import { backupCommand } from './backup-command.js';
import { configCommand } from './config-command.js';
import { destroyCommand } from './destroy-command.js';
import { identityCommand } from './identity-command.js';
import { importCommand } from './import-command.js';
import { keysCommand } from './keys-command.js';
import { reindexCommand } from './reindex-command.js';
import { restoreCommand } from './restore-command.js';
import { serveCommand } from './serve-command.js';
import { streamCommand } from './stream-command.js';
import { webhooksCommand } from './webhooks-command.js';
import { workerCommand } from './worker-command.js';

const program = new Command('shoebox')
  .description(
    'Shoebox: a self-hosted backend for mobile apps.\n\n' +
      'Configuration comes from SHOEBOX_* environment variables and a .env file in the working directory;\n' +
      '`shoebox config` shows the effective values. Data lives in SHOEBOX_DATA_DIR (default ./data).',
  )
  .version(SHOEBOX_VERSION, '-v, --version', 'print the version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program.addCommand(serveCommand());
program.addCommand(configCommand());
program.addCommand(keysCommand());
program.addCommand(identityCommand());
program.addCommand(destroyCommand());
program.addCommand(streamCommand());
program.addCommand(reindexCommand());
program.addCommand(importCommand());
program.addCommand(workerCommand());
program.addCommand(backupCommand());
program.addCommand(restoreCommand());
program.addCommand(webhooksCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.problems.join('\n')}\n`);
    return 2;
  }
  if (error instanceof Problem) {
    process.stderr.write(`shoebox: ${error.detail}\n`);
    return 1;
  }
  process.stderr.write(`shoebox: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
