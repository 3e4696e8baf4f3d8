export interface ApiKeyTables {
  api_keys: {
    id: string;
    name: string;
    secret_hash: string;
    secret_prefix: string;
    rate: number;
    burst: number;
    quota_limit: number | null;
    quota_period: 'day' | 'week' | 'month' | null;
    created_at: number;
    revoked_at: number | null;
  };
}

// Adds these tables to the schema every store's Kysely instance sees (db/database.ts).
declare module '../db/database.js' {
  interface Tables extends ApiKeyTables {}
}
