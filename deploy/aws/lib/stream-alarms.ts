import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** The CloudWatch namespace Shoebox's stream metrics are published under. */
export const NAMESPACE = 'Shoebox';
/** Where the API process serves /metrics for the agent beside it (loopback: the task's own network). */
export const METRICS_PORT = 9464;
/** Shoebox's change-stream consumers (search/indexer.ts, photos/processor.ts). */
export const CONSUMERS = ['search', 'photo-processor'] as const;

export interface StreamAlarmsProps {
  /** The API task: the agent runs beside its container. */
  readonly task: ecs.FargateTaskDefinition;
  readonly lagSeconds: number;
  readonly email: string | undefined;
}

/**
 * Stream lag and dead letters are Prometheus gauges that every API process reads from the database
 * (stream/metrics.ts). A CloudWatch agent beside the API container scrapes them and publishes them
 * as embedded-metric logs; alarms watch the worst value of each consumer and notify a topic.
 */
export class StreamAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: StreamAlarmsProps) {
    super(scope, id);
    const metricsLog = new logs.LogGroup(this, 'Metrics', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The agent writes its embedded-metric logs there, and nowhere else.
    metricsLog.grantWrite(props.task.taskRole);
    props.task.addContainer('cloudwatch-agent', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/cloudwatch-agent/cloudwatch-agent:latest'),
      essential: false,
      memoryReservationMiB: 64,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'cloudwatch-agent', logGroup: metricsLog }),
      environment: {
        PROMETHEUS_CONFIG_CONTENT: [
          'global: { scrape_interval: 1m, scrape_timeout: 10s }',
          'scrape_configs:',
          `  - { job_name: shoebox, static_configs: [{ targets: ['127.0.0.1:${METRICS_PORT}'] }] }`,
        ].join('\n'),
        CW_CONFIG_CONTENT: JSON.stringify({
          logs: {
            metrics_collected: {
              prometheus: {
                log_group_name: metricsLog.logGroupName,
                prometheus_config_path: 'env:PROMETHEUS_CONFIG_CONTENT',
                emf_processor: {
                  metric_namespace: NAMESPACE,
                  metric_declaration: [
                    {
                      source_labels: ['job'],
                      label_matcher: '^shoebox$',
                      dimensions: [['consumer']],
                      metric_selectors: ['^shoebox_stream_lag_seconds$', '^shoebox_stream_dead_letters$'],
                    },
                  ],
                },
              },
            },
          },
        }),
      },
    });

    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Shoebox alarms' });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    for (const consumer of CONSUMERS) {
      const metric = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: NAMESPACE,
          metricName,
          dimensionsMap: { consumer },
          statistic: 'Maximum',
          period: Duration.minutes(1),
        });
      this.alarm(`Lag-${consumer}`, {
        metric: metric('shoebox_stream_lag_seconds'),
        threshold: props.lagSeconds,
        evaluationPeriods: 5,
        alarmDescription: `Shoebox: the ${consumer} consumer is more than ${props.lagSeconds} s behind the change stream (shoebox stream status)`,
      });
      this.alarm(`DeadLetters-${consumer}`, {
        metric: metric('shoebox_stream_dead_letters'),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmDescription: `Shoebox: the ${consumer} consumer parked changes as dead letters (shoebox stream dead-letters, then retry)`,
      });
    }
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): void {
    const alarm = new cloudwatch.Alarm(this, id, { treatMissingData: cloudwatch.TreatMissingData.MISSING, ...props });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
