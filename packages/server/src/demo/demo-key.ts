import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Problem } from '../errors.js';
import type { ApiKeyService } from '../keys/service.js';
import type { Plan } from '../limiter/limiter.js';
import { readSecretFile, writeSecretFile } from '../shared/secret-files.js';

const FILE = 'demo-api-key';

/**
 * The API key the sample app at /demo/ calls with, made on first need as a key of its own ("demo
 * app", revocable like any other) and kept in the secrets folder across restarts. A revoked key is
 * replaced. Public by nature, as every app's key is: the usage plan bounds it.
 */
export function demoApiKey(keys: ApiKeyService, plan: Plan, secretsDir: string): () => Promise<string> {
  let pending: Promise<string> | undefined;
  const resolve = async (): Promise<string> => {
    const stored = readSecretFile(secretsDir, FILE);
    if (stored) {
      try {
        await keys.authenticate(stored);
        return stored;
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        rmSync(join(secretsDir, FILE), { force: true });
      }
    }
    const { secret } = await keys.create('demo app', plan);
    writeSecretFile(secretsDir, FILE, secret);
    return secret;
  };
  // Checked on every call (the key cache makes it cheap), so a revoked key is replaced at once; calls
  // made meanwhile share one check, so concurrent first visits make one key.
  return () => {
    pending ??= resolve().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
