import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ShoeboxSettings } from './settings.js';

/** Characters a generated password may not hold: it goes into a URL (PostgreSQL) or a Redis AUTH. */
const NOT_IN_URLS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\,=^';

/**
 * Where Shoebox keeps its data, each encrypted at rest and reachable only from inside the VPC:
 * PostgreSQL (RDS), Redis (ElastiCache, TLS and AUTH) and the photos' bucket (private, CORS for
 * direct uploads). Everything goes with the stack: `cdk destroy` removes the data too.
 */
export class DataStores extends Construct {
  readonly database: rds.DatabaseInstance;
  readonly databaseSecret: secretsmanager.ISecret;
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  readonly redisSecurityGroup: ec2.SecurityGroup;
  readonly redisAuthToken: secretsmanager.Secret;
  /** host:port of the Redis primary. */
  readonly redisEndpoint: string;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, vpc: ec2.IVpc, settings: ShoeboxSettings) {
    super(scope, id);
    const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    this.databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', { vpc, allowAllOutbound: false });
    this.database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: new ec2.InstanceType(settings.databaseInstanceType),
      vpc,
      vpcSubnets: isolated,
      securityGroups: [this.databaseSecurityGroup],
      databaseName: 'shoebox',
      credentials: rds.Credentials.fromGeneratedSecret('shoebox', { excludeCharacters: NOT_IN_URLS }),
      allocatedStorage: settings.databaseStorageGiB,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      multiAz: settings.databaseMultiAz,
      // Point-in-time recovery within this window; see "Backups" in README.md.
      backupRetention: Duration.days(7),
      deleteAutomatedBackups: true,
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
      cloudwatchLogsExports: ['postgresql'],
      enablePerformanceInsights: false,
    });
    this.databaseSecret = this.database.secret as secretsmanager.ISecret;
    this.database.secret?.applyRemovalPolicy(RemovalPolicy.DESTROY);

    this.redisSecurityGroup = new ec2.SecurityGroup(this, 'RedisSecurityGroup', { vpc, allowAllOutbound: false });
    this.redisAuthToken = new secretsmanager.Secret(this, 'RedisAuthToken', {
      description: 'Shoebox: the Redis AUTH token',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const subnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'Shoebox Redis',
      subnetIds: vpc.selectSubnets(isolated).subnetIds,
    });
    const redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: 'Shoebox: rate limits and quotas shared by every API process',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: settings.redisNodeType,
      numCacheClusters: 1,
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [this.redisSecurityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      authToken: this.redisAuthToken.secretValue.unsafeUnwrap(),
    });
    redis.applyRemovalPolicy(RemovalPolicy.DESTROY);
    this.redisEndpoint = `${redis.attrPrimaryEndPointAddress}:${redis.attrPrimaryEndPointPort}`;

    this.bucket = new s3.Bucket(this, 'Photos', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Deleted and overwritten photos stay recoverable for a while.
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // Devices PUT straight to signed URLs; a web app needs CORS for that (blob/s3-store.ts's headers).
      cors: [
        {
          allowedOrigins: [...settings.corsOrigins],
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedHeaders: ['content-type', 'if-none-match'],
          exposedHeaders: ['ETag'],
          maxAge: 3600,
        },
      ],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
  }
}
