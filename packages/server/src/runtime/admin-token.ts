import type { Config } from '../config.js';
import { newSecret, sha256 } from '../shared/secrets.js';
import { readSecretFile, writeSecretFile } from './secret-files.js';

const FILE = 'admin-token.sha256';

/**
 * The admin token's hash. An operator-chosen SHOEBOX_ADMIN_TOKEN wins; otherwise a token is
 * generated once, only its hash is kept, and the token itself is returned so it can be shown once.
 */
export function resolveAdminToken(config: Config, secretsDir: string): { hash: string; generated?: string } {
  if (config.adminToken !== undefined) return { hash: sha256(config.adminToken) };
  const stored = readSecretFile(secretsDir, FILE);
  if (stored) return { hash: stored };
  const generated = newSecret('sba');
  writeSecretFile(secretsDir, FILE, sha256(generated));
  return { hash: sha256(generated), generated };
}
