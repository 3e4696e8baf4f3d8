import type { Logger } from '../shared/observability.js';
import { appendSecretFile } from '../shared/secret-files.js';
import { generateAdminToken } from './admin-token.js';
import type { Shoebox } from './shoebox.js';

/** What a start created, each secret shown once: the admin token and the first API key. */
export interface FirstStartSecrets {
  readonly adminTokenHash: string;
  readonly adminToken?: string;
  readonly apiKey?: string;
}

/**
 * What a new deployment gets once its server listens: an admin token (unless SHOEBOX_ADMIN_TOKEN
 * is set or one is stored) and a first API key. Made only after listening: a start that fails
 * before that (a port taken) makes neither, instead of storing hashes of secrets nobody saw.
 */
export async function createFirstStartSecrets(shoebox: Shoebox, adminTokenHash: string | undefined): Promise<FirstStartSecrets> {
  const admin = adminTokenHash === undefined ? generateAdminToken(shoebox.layout.secretsDir) : { hash: adminTokenHash };
  const firstKey = await shoebox.keys.createFirst('default', shoebox.defaultPlan);
  return { adminTokenHash: admin.hash, adminToken: admin.token, apiKey: firstKey?.secret };
}

const FILE = 'first-start.txt';

/**
 * Keeps a copy of new secrets in the secrets folder, readable by the owner only, for operators
 * whose stdout goes to a log collector. Appended, so a later start's new admin token keeps the
 * earlier secrets beside it. Answers the file, or undefined when it cannot be written (a
 * read-only data folder): the banner still shows the secrets, so the start goes on.
 */
export function saveFirstStartSecrets(secretsDir: string, secrets: FirstStartSecrets, logger: Logger): string | undefined {
  const lines = [`# Created by shoebox serve at ${new Date().toISOString()}. Store them safely, then delete this file.`];
  if (secrets.adminToken) lines.push(`Admin token: ${secrets.adminToken}`);
  if (secrets.apiKey) lines.push(`API key:     ${secrets.apiKey}`);
  try {
    return appendSecretFile(secretsDir, FILE, `${lines.join('\n')}\n\n`);
  } catch (error) {
    logger.warn({ err: error }, `could not save a copy of the new secrets in ${secretsDir}: save them from the banner`);
    return undefined;
  }
}

export function firstStartBanner(url: string, secrets: FirstStartSecrets, savedIn: string | undefined, demo: boolean): string {
  const lines = ['', 'Shoebox is set up. Save these secrets now: Shoebox keeps only their hashes.', ''];
  if (secrets.adminToken) lines.push(`  Admin token: ${secrets.adminToken}`);
  if (secrets.apiKey) lines.push(`  API key:     ${secrets.apiKey}`);
  if (savedIn) lines.push('', `A copy is in ${savedIn} (readable by this user only): delete it once you have stored them.`);
  if (secrets.apiKey) lines.push('', 'Try it:', `  curl -H "x-api-key: ${secrets.apiKey}" ${url}/v1/ping`);
  lines.push('', `API reference: ${url}/docs`);
  if (demo) lines.push(`Sample app:    ${url}/demo/`);
  lines.push('', '');
  return lines.join('\n');
}
