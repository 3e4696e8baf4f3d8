import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DataStores } from './data-stores.js';
import type { ShoeboxSettings } from './settings.js';
import { METRICS_PORT, StreamAlarms } from './stream-alarms.js';

const PORT = 8080;
const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ShoeboxStackProps extends StackProps {
  readonly settings: ShoeboxSettings;
}

/**
 * Shoebox on AWS as the reference architecture deploys its serverless parts, with no manual step:
 * API processes on ECS Fargate behind an HTTPS load balancer, stream workers beside them, RDS
 * PostgreSQL, ElastiCache Redis, a private S3 bucket for photos, CloudFront in front of public
 * photo variants, secrets in Secrets Manager, logs in CloudWatch, alarms on stream lag and dead
 * letters. Every resource goes with the stack (`cdk destroy`), data included.
 */
export class ShoeboxStack extends Stack {
  constructor(scope: Construct, id: string, props: ShoeboxStackProps) {
    super(scope, id, props);
    const { settings } = props;

    const vpc = new ec2.Vpc(this, 'Network', {
      maxAzs: 2,
      natGateways: settings.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const data = new DataStores(this, 'Data', vpc, settings);
    const adminToken = new secretsmanager.Secret(this, 'AdminToken', {
      description: 'Shoebox: the admin bearer token (SHOEBOX_ADMIN_TOKEN)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Public photo variants through CloudFront: only /public/photos/* reaches the API through it, cached as Shoebox says (a year).
    const apiOrigin = new origins.HttpOrigin(settings.domainName, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY });
    const notFound = new cloudfront.Function(this, 'OnlyPublicPhotos', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline('function handler(event) { return { statusCode: 404, statusDescription: "Not Found" }; }'),
    });
    const cdn = new cloudfront.Distribution(this, 'PublicPhotos', {
      comment: 'Shoebox: public photo variants',
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: apiOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        functionAssociations: [{ function: notFound, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/public/photos/*': {
          origin: apiOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        },
      },
    });

    const environment: Record<string, string> = {
      SHOEBOX_HOST: '0.0.0.0',
      SHOEBOX_PORT: String(PORT),
      SHOEBOX_PUBLIC_URL: `https://${settings.domainName}`,
      // The load balancer sits in the VPC's public subnets: its X-Forwarded-For is believed, nothing else.
      SHOEBOX_TRUST_PROXY: vpc.vpcCidrBlock,
      // RDS's certificate is signed by Amazon's own CA, not in Node's store: encrypted, not verified, inside the VPC.
      SHOEBOX_DATABASE_URL: `postgres://shoebox@${data.database.dbInstanceEndpointAddress}:${data.database.dbInstanceEndpointPort}/shoebox?sslmode=no-verify`,
      SHOEBOX_BLOB_URL: `s3://${data.bucket.bucketName}?region=${this.region}`,
      SHOEBOX_BLOB_PUBLIC_URL: `https://${cdn.distributionDomainName}/public/photos`,
      SHOEBOX_CORS_ORIGINS: settings.corsOrigins.join(','),
      // Composed into SHOEBOX_REDIS_URL with the token by the image's entrypoint (deploy/aws/entrypoint.sh).
      REDIS_ENDPOINT: data.redisEndpoint,
      SHOEBOX_LOG_LEVEL: 'info',
    };
    const secrets = {
      SHOEBOX_ADMIN_TOKEN: ecs.Secret.fromSecretsManager(adminToken),
      PGPASSWORD: ecs.Secret.fromSecretsManager(data.databaseSecret, 'password'),
      REDIS_AUTH_TOKEN: ecs.Secret.fromSecretsManager(data.redisAuthToken),
    };
    const image = settings.image
      ? ecs.ContainerImage.fromRegistry(settings.image)
      : ecs.ContainerImage.fromAsset(REPOSITORY, {
          file: 'deploy/aws/Dockerfile',
          exclude: ['**/node_modules', '**/.cache', '**/dist', '**/cdk.out', '.git', 'data', 'bench', 'docs', 'test'],
        });
    const logGroup = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: settings.hostedZoneId,
      zoneName: settings.hostedZoneName,
    });
    const api = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Api', {
      cluster,
      desiredCount: settings.apiCount,
      cpu: settings.apiCpu,
      memoryLimitMiB: settings.apiMemoryMiB,
      taskSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      publicLoadBalancer: true,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      certificate: new acm.Certificate(this, 'Certificate', {
        domainName: settings.domainName,
        validation: acm.CertificateValidation.fromDns(zone),
      }),
      domainName: settings.domainName,
      domainZone: zone,
      redirectHTTP: true,
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      taskImageOptions: {
        image,
        containerName: 'shoebox',
        containerPort: PORT,
        command: ['serve', '--no-worker'],
        environment: { ...environment, SHOEBOX_METRICS_HOST: '127.0.0.1', SHOEBOX_METRICS_PORT: String(METRICS_PORT) },
        secrets,
        logDriver: ecs.LogDrivers.awsLogs({ streamPrefix: 'api', logGroup: logGroup('Api') }),
      },
    });
    api.targetGroup.configureHealthCheck({ path: '/readyz', healthyHttpCodes: '200', interval: Duration.seconds(15) });
    // Shoebox finishes in-flight requests on SIGTERM within SHOEBOX_SHUTDOWN_TIMEOUT_MS (10 s by default).
    api.targetGroup.setAttribute('deregistration_delay.timeout_seconds', '30');

    const workerTask = new ecs.FargateTaskDefinition(this, 'WorkerTask', {
      cpu: settings.workerCpu,
      memoryLimitMiB: settings.workerMemoryMiB,
    });
    workerTask.addContainer('shoebox', {
      image,
      command: ['worker'],
      environment,
      secrets,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup: logGroup('Worker') }),
    });
    const worker = new ecs.FargateService(this, 'Worker', {
      cluster,
      taskDefinition: workerTask,
      desiredCount: settings.workerCount,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
    });

    // Least privilege: the photos' objects and nothing else of S3 (HeadBucket at start needs ListBucket).
    for (const task of [api.taskDefinition, workerTask]) {
      task.addToTaskRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          resources: [data.bucket.arnForObjects('*')],
        }),
      );
      task.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [data.bucket.bucketArn] }));
    }
    for (const service of [api.service, worker]) {
      data.database.connections.allowDefaultPortFrom(service, 'Shoebox tasks');
      data.redisSecurityGroup.addIngressRule(
        service.connections.securityGroups[0] as ec2.ISecurityGroup,
        ec2.Port.tcp(6379),
        'Shoebox tasks',
      );
    }

    const alarms = new StreamAlarms(this, 'StreamAlarms', {
      task: api.taskDefinition,
      lagSeconds: settings.lagAlarmSeconds,
      email: settings.alarmEmail,
    });

    new CfnOutput(this, 'ApiUrl', { value: `https://${settings.domainName}`, description: 'SHOEBOX_PUBLIC_URL: what apps talk to' });
    new CfnOutput(this, 'PublicPhotosUrl', { value: environment.SHOEBOX_BLOB_PUBLIC_URL ?? '' });
    new CfnOutput(this, 'AdminTokenSecret', {
      value: adminToken.secretName,
      description: 'aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text',
    });
    new CfnOutput(this, 'PhotosBucket', { value: data.bucket.bucketName });
    new CfnOutput(this, 'AlarmTopic', { value: alarms.topic.topicArn });
  }
}
