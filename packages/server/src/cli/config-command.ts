import { Command } from 'commander';
import { describeConfig, loadEnv, parseConfig } from '../config/config.js';

/** Reads and validates the configuration of this working directory. */
export const readConfig = () => parseConfig(loadEnv());

export const configCommand = () =>
  new Command('config').description('Print the effective configuration, secrets redacted').action(() => {
    process.stdout.write(`${describeConfig(readConfig()).join('\n')}\n`);
  });
