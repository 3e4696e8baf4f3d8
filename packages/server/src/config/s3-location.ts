/**
 * Where an S3-compatible bucket is and how to reach it, parsed from `SHOEBOX_BLOB_URL`:
 * `s3://bucket[/prefix]?endpoint=http://127.0.0.1:9000&region=us-east-1&forcePathStyle=true`
 * with optional `accessKeyId` and `secretAccessKey` in the query (otherwise the AWS variables,
 * otherwise the SDK's default chain, e.g. an instance role).
 */
export interface S3Location {
  readonly bucket: string;
  /** Every key Shoebox writes starts with it (empty, or ending in `/`): `shoebox destroy` removes what is under it. */
  readonly prefix: string;
  readonly region: string;
  /** Unset: AWS itself. */
  readonly endpoint: string | undefined;
  /** Bucket in the path (`host/bucket/key`), as MinIO and most local servers want, rather than in the host name. */
  readonly forcePathStyle: boolean;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

const QUERY_KEYS = new Set(['endpoint', 'region', 'forcePathStyle', 'accessKeyId', 'secretAccessKey']);

/** Parses an `s3://` URL; throws an Error whose message says what is wrong. `fallback` holds the AWS variables. */
export function parseS3Url(
  raw: string,
  fallback: { region?: string | undefined; accessKeyId?: string | undefined; secretAccessKey?: string | undefined } = {},
): S3Location {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('expected a URL like s3://bucket?region=us-east-1 (add endpoint=… and forcePathStyle=true for MinIO)');
  }
  if (url.protocol !== 's3:') throw new Error('expected an s3:// URL, e.g. s3://bucket?region=us-east-1');
  const bucket = url.hostname;
  // Bucket naming rules of S3 (3-63 of a-z 0-9 . -), which every compatible store accepts.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`"${bucket}" is not a valid bucket name (3-63 of a-z 0-9 . -)`);
  const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && !/^[A-Za-z0-9_.\-/]{1,200}$/.test(prefix))
    throw new Error('the key prefix (the URL path) may hold only A-Z a-z 0-9 _ . - /');
  for (const name of url.searchParams.keys()) {
    if (!QUERY_KEYS.has(name)) throw new Error(`unknown parameter "${name}"; expected ${[...QUERY_KEYS].join(', ')}`);
  }
  const query = (name: string) => url.searchParams.get(name) ?? undefined;
  const endpoint = query('endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(endpoint)) {
    throw new Error('endpoint must be an http(s) origin, e.g. http://127.0.0.1:9000');
  }
  const forcePathStyle = query('forcePathStyle') ?? 'false';
  if (forcePathStyle !== 'true' && forcePathStyle !== 'false') throw new Error('forcePathStyle must be true or false');
  const region = query('region') ?? fallback.region ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,32}$/.test(region)) throw new Error(`"${region}" is not a region name, e.g. us-east-1`);
  const accessKeyId = query('accessKeyId') ?? fallback.accessKeyId;
  const secretAccessKey = query('secretAccessKey') ?? fallback.secretAccessKey;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new Error('give both an access key id and a secret access key (URL or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or neither');
  }
  return {
    bucket,
    prefix: prefix === '' ? '' : `${prefix}/`,
    region,
    endpoint: endpoint?.replace(/\/$/, ''),
    forcePathStyle: forcePathStyle === 'true',
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

/** The location as a URL without its secret, for `shoebox config` and messages. */
export function describeS3Location(location: S3Location): string {
  const query = new URLSearchParams({ region: location.region });
  if (location.endpoint) query.set('endpoint', location.endpoint);
  if (location.forcePathStyle) query.set('forcePathStyle', 'true');
  if (location.credentials) query.set('accessKeyId', location.credentials.accessKeyId);
  const credentials = location.credentials ? ' (secret key redacted)' : ' (credentials from the SDK default chain)';
  return `s3://${location.bucket}/${location.prefix}?${query}${credentials}`;
}
