import { Command } from 'commander';
import { configValues, describeConfig, loadEnv, parseConfig } from '../config/config.js';

/** Reads and validates the configuration of this working directory. */
export const readConfig = () => parseConfig(loadEnv());

export const configCommand = () =>
  new Command('config')
    .description('Print the effective configuration, secrets redacted')
    .option('--json', 'one JSON object of variable → value, for scripts')
    .action((flags: { json?: boolean }) => {
      const config = readConfig();
      const text = flags.json ? JSON.stringify(Object.fromEntries(configValues(config)), null, 2) : describeConfig(config).join('\n');
      process.stdout.write(`${text}\n`);
    });
