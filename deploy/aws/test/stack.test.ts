import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../packages/server/src/config/config.js';
import { readSettings } from '../lib/settings.js';
import { ShoeboxStack } from '../lib/shoebox-stack.js';

const REQUIRED = { domainName: 'api.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' };
/** An image of one's own: building deploy/aws/Dockerfile is for `cdk deploy`, not for these tests. */
const IMAGE = { image: 'public.ecr.aws/example/shoebox:0.1.0' };

function synth(context: Record<string, string>): Template {
  const app = new App();
  const stack = new ShoeboxStack(app, 'Shoebox', {
    settings: readSettings((key) => context[key]),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return Template.fromStack(stack);
}

type Resources = Record<string, { Type: string; Properties?: any; DeletionPolicy?: string }>;

/** The containers named `shoebox` (API and worker), as the template defines them. */
const shoeboxContainers = (template: Template) =>
  Object.values(template.findResources('AWS::ECS::TaskDefinition') as Resources).flatMap((task) =>
    (task.Properties.ContainerDefinitions as any[]).filter((container) => container.Name === 'shoebox'),
  );

/** Every statement of the policies attached to the tasks' roles. */
function taskRoleStatements(template: Template): any[] {
  const roles = new Set(
    Object.values(template.findResources('AWS::ECS::TaskDefinition') as Resources).map(
      (task) => task.Properties.TaskRoleArn['Fn::GetAtt'][0],
    ),
  );
  return Object.values(template.findResources('AWS::IAM::Policy') as Resources)
    .filter((policy) => policy.Properties.Roles.some((role: any) => roles.has(role.Ref)))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** What CloudFormation would put in place of the references in an environment value, for Shoebox to parse. */
const SAMPLES: Record<string, string> = {
  CidrBlock: '10.0.0.0/16',
  'Endpoint.Address': 'shoebox.abc.eu-west-1.rds.amazonaws.com',
  'Endpoint.Port': '5432',
  DomainName: 'd111111abcdef8.cloudfront.net',
  'PrimaryEndPoint.Address': 'master.shoebox.abc.euw1.cache.amazonaws.com',
  'PrimaryEndPoint.Port': '6379',
};
function sample(value: any): string {
  if (typeof value === 'string') return value;
  if (value['Fn::Join']) return value['Fn::Join'][1].map(sample).join(value['Fn::Join'][0]);
  if (value.Ref === 'AWS::Region') return 'eu-west-1';
  if (value.Ref) return 'shoebox-photos-abc123';
  const attribute = value['Fn::GetAtt']?.[1];
  if (attribute in SAMPLES) return SAMPLES[attribute] as string;
  throw new Error(`no sample for ${JSON.stringify(value)}`);
}

const asList = (value: unknown) => (Array.isArray(value) ? value : [value]);

describe('the AWS CDK app (deploy/aws)', () => {
  let template: Template;
  beforeAll(() => {
    template = synth({ ...REQUIRED, ...IMAGE });
  });

  it('encrypts every data store at rest, and Redis in transit', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      StorageEncrypted: true,
      Engine: 'postgres',
      PubliclyAccessible: false,
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: true,
      AuthToken: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
  });

  it('keeps the bucket private, TLS only, with CORS for direct uploads', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedMethods: ['PUT', 'GET', 'HEAD'],
            ExposedHeaders: ['ETag'],
            AllowedHeaders: ['content-type', 'if-none-match'],
          }),
        ],
      },
    });
    const statements = Object.values(template.findResources('AWS::S3::BucketPolicy') as Resources).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    // Anyone ('*') appears only in denials (of plain HTTP); every grant names a role.
    for (const statement of statements.filter((entry: any) => entry.Principal === '*' || entry.Principal?.AWS === '*')) {
      expect(statement.Effect).toBe('Deny');
    }
    expect(statements.some((entry: any) => entry.Effect === 'Deny' && entry.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(
      true,
    );
  });

  it('gives the tasks the photos bucket and their own metrics log, nothing more', () => {
    const statements = taskRoleStatements(template);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of asList(statement.Action))
        expect(action).toMatch(/^(s3:(GetObject|PutObject|DeleteObject|ListBucket)|logs:(CreateLogStream|PutLogEvents))$/);
      for (const resource of asList(statement.Resource)) expect(resource).not.toBe('*');
    }
    // The execution role reads exactly the three secrets the containers get, and no other.
    const executionReads = Object.values(template.findResources('AWS::IAM::Policy') as Resources)
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: any) => asList(statement.Action).includes('secretsmanager:GetSecretValue'));
    for (const statement of executionReads) for (const resource of asList(statement.Resource)) expect(resource).not.toBe('*');
  });

  it('gives API and workers every setting Shoebox needs, secrets from Secrets Manager', () => {
    const containers = shoeboxContainers(template);
    expect(containers).toHaveLength(2);
    for (const container of containers) {
      const names = container.Environment.map((variable: any) => variable.Name);
      for (const name of [
        'SHOEBOX_HOST',
        'SHOEBOX_PORT',
        'SHOEBOX_PUBLIC_URL',
        'SHOEBOX_TRUST_PROXY',
        'SHOEBOX_DATABASE_URL',
        'SHOEBOX_BLOB_URL',
        'SHOEBOX_BLOB_PUBLIC_URL',
        'SHOEBOX_CORS_ORIGINS',
        'REDIS_ENDPOINT',
      ]) {
        expect(names).toContain(name);
      }
      expect(container.Secrets.map((secret: any) => secret.Name).sort()).toEqual(['PGPASSWORD', 'REDIS_AUTH_TOKEN', 'SHOEBOX_ADMIN_TOKEN']);
      const value = (name: string) => container.Environment.find((variable: any) => variable.Name === name).Value;
      expect(value('SHOEBOX_PUBLIC_URL')).toBe('https://api.example.com');
      expect(value('SHOEBOX_HOST')).toBe('0.0.0.0');
      // No secret in plain sight: the database URL names the user only, its password comes as PGPASSWORD.
      expect(JSON.stringify(value('SHOEBOX_DATABASE_URL'))).toMatch(/postgres:\/\/shoebox@/);
    }
    // Shoebox itself accepts the settings, as the entrypoint completes them (deploy/aws/entrypoint.sh).
    for (const container of containers) {
      const env = Object.fromEntries(container.Environment.map((variable: any) => [variable.Name, sample(variable.Value)]));
      const config = parseConfig({
        ...env,
        SHOEBOX_ADMIN_TOKEN: 'a'.repeat(48),
        SHOEBOX_REDIS_URL: `rediss://:${'b'.repeat(64)}@${env.REDIS_ENDPOINT}/0`,
      });
      expect(config).toMatchObject({
        databaseUrl: expect.stringMatching(/^postgres:\/\/shoebox@shoebox\.abc\.eu-west-1\.rds\.amazonaws\.com:5432\/shoebox/),
        blobStore: { bucket: 'shoebox-photos-abc123', region: 'eu-west-1' },
        blobPublicUrl: 'https://d111111abcdef8.cloudfront.net/public/photos',
        trustProxy: ['10.0.0.0/16'],
        publicUrl: 'https://api.example.com',
        redisUrl: expect.stringMatching(/^rediss:\/\//),
      });
    }
    expect(containers.map((container) => container.Command)).toEqual(expect.arrayContaining([['serve', '--no-worker'], ['worker']]));
  });

  it('puts the API behind HTTPS, checked on /readyz, with HTTP redirected', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/readyz',
      Matcher: { HttpCode: '200' },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS', Port: 443 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTP',
      DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS' }) })],
    });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'api.example.com', ValidationMethod: 'DNS' });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'api.example.com.', Type: 'A' });
  });

  it('serves public photo variants through CloudFront, and nothing else', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CacheBehaviors: [Match.objectLike({ PathPattern: '/public/photos/*', AllowedMethods: ['GET', 'HEAD'] })],
        DefaultCacheBehavior: Match.objectLike({ FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })] }),
      }),
    });
  });

  it('alarms on stream lag and dead letters of every consumer', () => {
    for (const consumer of ['search', 'photo-processor']) {
      for (const metric of ['shoebox_stream_lag_seconds', 'shoebox_stream_dead_letters']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'Shoebox',
          MetricName: metric,
          Dimensions: [{ Name: 'consumer', Value: consumer }],
          AlarmActions: [Match.anyValue()],
        });
      }
    }
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: 'cloudwatch-agent' })]),
    });
  });

  it('removes everything on teardown: data, logs and secrets included', () => {
    for (const type of [
      'AWS::RDS::DBInstance',
      'AWS::S3::Bucket',
      'AWS::Logs::LogGroup',
      'AWS::SecretsManager::Secret',
      'AWS::ElastiCache::ReplicationGroup',
    ]) {
      const resources = Object.values(template.findResources(type) as Resources);
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource.DeletionPolicy, type).toBe('Delete');
    }
    // A bucket with objects cannot be deleted: the objects go first.
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });

  it('takes sizes from its parameters, and refuses wrong ones before synthesizing', () => {
    const big = synth({
      ...REQUIRED,
      ...IMAGE,
      apiCount: '4',
      apiCpu: '1024',
      apiMemoryMiB: '2048',
      databaseInstanceType: 'm7g.large',
      redisNodeType: 'cache.m7g.large',
    });
    big.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 4, LoadBalancers: Match.anyValue() });
    big.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '2048' });
    big.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.m7g.large' });
    big.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { CacheNodeType: 'cache.m7g.large' });
    expect(() =>
      synth({ ...IMAGE, apiCpu: '300', domainName: 'api.other.org', hostedZoneId: 'Z1', hostedZoneName: 'example.com' }),
    ).toThrow(/apiCpu="300" is wrong[\s\S]*not inside hostedZoneName/);
    expect(() => synth({})).toThrow(/domainName is missing: expected e.g. -c domainName=api.example.com/);
  });
});
