/**
 * The engine configurations the behavioural suite runs against. Suites loop over `engines`
 * (like Kysely's tests loop over dialects) instead of being copied per engine.
 */
export interface TestEngine {
  readonly name: string;
  readonly env: Record<string, string>;
}

export const embedded: TestEngine = { name: 'embedded', env: {} };

export const engines: readonly TestEngine[] = [embedded];

export const engineEnv = (engine: TestEngine | undefined): Record<string, string> => engine?.env ?? {};
