import type { Config } from '../config/config.js';
import { readOrCreateSecretFile, readSecretFile } from '../shared/secret-files.js';
import { newSecret, sha256 } from '../shared/secrets.js';

const FILE = 'admin-token.sha256';

/**
 * The admin token's hash: SHOEBOX_ADMIN_TOKEN's when the operator chose one (it wins over a stored
 * one, which is how a lost token is replaced), else the one generated on a first start, if any yet.
 */
export function adminTokenHash(config: Config, secretsDir: string): string | undefined {
  if (config.adminToken !== undefined) return sha256(config.adminToken);
  return readSecretFile(secretsDir, FILE);
}

/**
 * Generates the admin token of a deployment that has none, keeping only its hash. Of processes
 * starting at once, one stores its token; the others take that hash and have no token to show.
 */
export function generateAdminToken(secretsDir: string): { hash: string; token?: string } {
  const token = newSecret('sba');
  const stored = readOrCreateSecretFile(secretsDir, FILE, sha256(token));
  return stored.created ? { hash: stored.value, token } : { hash: stored.value };
}
