/**
 * Thrown when a command that works on an existing deployment finds none where the configuration
 * points: run from another folder (or with another configuration), it must not create a new,
 * empty deployment and answer as if it were the real one. Only `serve` and `worker` create one.
 */
export class NoDeploymentError extends Error {
  constructor(place: string) {
    super(
      `No Shoebox deployment in ${place}. Run this command where \`shoebox serve\` runs, with its configuration ` +
        '(the same working directory or .env, SHOEBOX_DATA_DIR, SHOEBOX_DATABASE_URL); only `shoebox serve` and `shoebox worker` create a deployment.',
    );
  }
}
