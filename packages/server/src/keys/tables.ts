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
