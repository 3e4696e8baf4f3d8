/**
 * What a deployment may choose: its domain and the size of each part. Read from CDK context
 * (`cdk deploy -c domainName=api.example.com …` or cdk.context.json), validated before anything
 * is synthesized, so a typo fails at once instead of halfway through a deployment.
 */
export interface ShoeboxSettings {
  /** The API's host name, e.g. api.example.com: its certificate and DNS record are made in the hosted zone. */
  readonly domainName: string;
  /** The Route 53 hosted zone that holds `domainName`. */
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  /** API tasks behind the load balancer, and their size (Fargate CPU units, MiB). */
  readonly apiCount: number;
  readonly apiCpu: number;
  readonly apiMemoryMiB: number;
  /** Stream workers (search indexing, photo processing), and their size. */
  readonly workerCount: number;
  readonly workerCpu: number;
  readonly workerMemoryMiB: number;
  /** RDS instance class without the `db.` prefix, storage and standby. */
  readonly databaseInstanceType: string;
  readonly databaseStorageGiB: number;
  readonly databaseMultiAz: boolean;
  /** ElastiCache node type, e.g. cache.t4g.micro. */
  readonly redisNodeType: string;
  /** Web origins allowed to upload to the bucket directly and to call the API; `*` allows any. */
  readonly corsOrigins: readonly string[];
  /** NAT gateways for the tasks' outbound traffic (OIDC issuers' keys, image pulls): 1 is cheaper, 2 survives an AZ. */
  readonly natGateways: number;
  /** Alarms on stream lag (seconds) and any dead letter, sent to this address when given. */
  readonly alarmEmail: string | undefined;
  readonly lagAlarmSeconds: number;
  /** A Shoebox image to run instead of building deploy/aws/Dockerfile. */
  readonly image: string | undefined;
}

export const DEFAULTS = {
  apiCount: 2,
  apiCpu: 512,
  apiMemoryMiB: 1024,
  workerCount: 1,
  workerCpu: 512,
  workerMemoryMiB: 1024,
  databaseInstanceType: 't4g.small',
  databaseStorageGiB: 20,
  databaseMultiAz: false,
  redisNodeType: 'cache.t4g.micro',
  corsOrigins: ['*'],
  natGateways: 1,
  lagAlarmSeconds: 300,
} as const;

/** Fargate's valid CPU units; memory must match the CPU (checked by Fargate at deploy). */
const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384];

/** Builds the settings from context values (strings from `-c`, or JSON values from cdk.json), or throws naming every bad one. */
export function readSettings(context: (key: string) => unknown): ShoeboxSettings {
  const problems: string[] = [];
  const text = (key: string, pattern: RegExp, example: string, fallback?: string): string => {
    const value = context(key) ?? fallback;
    if (typeof value !== 'string' || !pattern.test(value)) {
      problems.push(
        `${key} is ${value === undefined ? 'missing' : `wrong (${JSON.stringify(value)})`}: expected e.g. -c ${key}=${example}`,
      );
      return example;
    }
    return value;
  };
  const whole = (key: keyof typeof DEFAULTS, min: number, max: number, allowed?: readonly number[]): number => {
    const raw = context(key) ?? DEFAULTS[key];
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max || (allowed && !allowed.includes(value))) {
      problems.push(
        `${key}=${JSON.stringify(raw)} is wrong: expected ${allowed ? `one of ${allowed.join(', ')}` : `a whole number from ${min} to ${max}`}`,
      );
    }
    return value;
  };
  const flag = (key: keyof typeof DEFAULTS): boolean => String(context(key) ?? DEFAULTS[key]) === 'true';
  const raw = context('corsOrigins');
  const corsOrigins =
    raw === undefined
      ? [...DEFAULTS.corsOrigins]
      : String(raw)
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin))
      problems.push(`corsOrigins: "${origin}" is not an origin like https://app.example.com`);
  }
  const alarmEmail = context('alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(String(alarmEmail))) problems.push('alarmEmail is not an email address');
  const image = context('image');
  const settings: ShoeboxSettings = {
    domainName: text('domainName', /^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'api.example.com'),
    hostedZoneId: text('hostedZoneId', /^Z[A-Z0-9]{1,31}$/, 'Z0123456789ABCDEFGHIJ'),
    hostedZoneName: text('hostedZoneName', /^([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'example.com'),
    apiCount: whole('apiCount', 1, 100),
    apiCpu: whole('apiCpu', 256, 16384, FARGATE_CPU),
    apiMemoryMiB: whole('apiMemoryMiB', 512, 122880),
    workerCount: whole('workerCount', 1, 100),
    workerCpu: whole('workerCpu', 256, 16384, FARGATE_CPU),
    workerMemoryMiB: whole('workerMemoryMiB', 512, 122880),
    databaseInstanceType: text('databaseInstanceType', /^[a-z0-9]+\.[a-z0-9]+$/, 't4g.small', DEFAULTS.databaseInstanceType),
    databaseStorageGiB: whole('databaseStorageGiB', 20, 65536),
    databaseMultiAz: flag('databaseMultiAz'),
    redisNodeType: text('redisNodeType', /^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'cache.t4g.micro', DEFAULTS.redisNodeType),
    corsOrigins,
    natGateways: whole('natGateways', 1, 3),
    alarmEmail: alarmEmail === undefined ? undefined : String(alarmEmail),
    lagAlarmSeconds: whole('lagAlarmSeconds', 10, 86_400),
    image: image === undefined ? undefined : String(image),
  };
  if (!settings.domainName.endsWith(`.${settings.hostedZoneName}`) && settings.domainName !== settings.hostedZoneName) {
    problems.push(`domainName ${settings.domainName} is not inside hostedZoneName ${settings.hostedZoneName}`);
  }
  if (problems.length > 0) throw new Error(`Shoebox's AWS settings are wrong:\n${problems.join('\n')}`);
  return settings;
}
