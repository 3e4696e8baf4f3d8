import cluster from 'node:cluster';
import { Command } from 'commander';
import { type Config, configEntries, configValues, KNOWN_VARIABLES, parseConfig } from '../config/config.js';
import { type Environment, type Origin, originOf, readEnvironment } from '../config/environment.js';
import { unknownVariableWarnings } from '../config/unknown-variables.js';

/**
 * Reads and validates the configuration of this working directory, as every command starts. A
 * `SHOEBOX_*` variable no setting has gets a warning on stderr: it is most likely a typo.
 */
export function readConfig(environment: Environment = readEnvironment()): Config {
  // The HTTP processes a `serve` forks read the same environment, which their primary has warned about.
  if (!cluster.isWorker) warnOfUnknownVariables(environment);
  return parseConfig(environment.env);
}

function warnOfUnknownVariables(environment: Environment): void {
  const known = KNOWN_VARIABLES.map((variable) => variable.name);
  const where = (name: string) => (environment.fromFile.has(name) ? ` (in ${environment.file})` : '');
  for (const warning of unknownVariableWarnings(Object.keys(environment.env), known, where)) {
    process.stderr.write(`shoebox: warning: ${warning}\n`);
  }
}

export const configCommand = () =>
  new Command('config')
    .description('Print the effective configuration, secrets redacted, grouped by where each value came from')
    .option('--json', 'one JSON object of variable → value, for scripts')
    .action((flags: { json?: boolean }) => {
      const environment = readEnvironment();
      const config = readConfig(environment);
      const text = flags.json ? JSON.stringify(Object.fromEntries(configValues(config)), null, 2) : describeByOrigin(config, environment);
      process.stdout.write(`${text}\n`);
    });

/** `VARIABLE=value` lines under a comment naming where they came from: what was set first, then the defaults. */
function describeByOrigin(config: Config, environment: Environment): string {
  const headings: Record<Origin, string> = {
    environment: '# Set in the environment',
    '.env': `# Set in ${environment.file}`,
    default: '# Defaults',
  };
  const lines = configEntries(config).map(({ variable, shown }) => ({
    origin: originOf(environment, variable.name),
    line: `${variable.name}=${shown}`,
  }));
  return (Object.keys(headings) as Origin[])
    .flatMap((origin) => {
      const set = lines.filter((entry) => entry.origin === origin).map((entry) => entry.line);
      return set.length > 0 ? [headings[origin], ...set] : [];
    })
    .join('\n');
}
