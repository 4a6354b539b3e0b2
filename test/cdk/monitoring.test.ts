/**
 * The alarms an operator of a plane at scale needs beyond errors: Lambda throttles (every function),
 * DynamoDB throttles of the registry table, the busiest ingest task's CPU, failed S3 segment uploads, and
 * the failover sweep no longer running — each on the metric the plane really emits, each to the topic.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IngestService } from '../../lib/constructs/ingest-service';
import { PlaneFunction } from '../../lib/constructs/plane-function';
import { INGEST_METRICS, PlaneMonitoring } from '../../lib/constructs/plane-monitoring';
import { PlaneNetwork } from '../../lib/constructs/plane-network';
import { StreamTable } from '../../lib/constructs/stream-table';
import { FIXTURE_ENTRY, testStack } from './support';

const stack = testStack();
const network = new PlaneNetwork(stack, 'Network');
const ingest = new IngestService(stack, 'Ingest', {
  cluster: network.cluster,
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-bookworm-slim'),
  allowedCidrs: ['0.0.0.0/0'],
  environment: {},
});
const table = new StreamTable(stack, 'Registry');
const auth = new PlaneFunction(stack, 'Auth', { entry: FIXTURE_ENTRY, serviceName: 'publish-auth', description: 'auth' });
const failover = new PlaneFunction(stack, 'Failover', { entry: FIXTURE_ENTRY, serviceName: 'failover', description: 'failover' });
const monitoring = new PlaneMonitoring(stack, 'Monitoring', { ingest, functions: { PublishAuth: auth, Failover: failover }, queues: {}, table: table.table, failover });
const template = Template.fromStack(stack);
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const topic = { Ref: id(monitoring.alarmTopic) };

describe('PlaneMonitoring at scale', () => {
  it('alarms on throttles of every function', () => {
    for (const fn of [auth, failover]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(fn.function) } }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [topic],
      });
    }
  });

  it('alarms on throttled reads and writes of the registry table for three minutes', () => {
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) => JSON.stringify(a.Properties.Metrics ?? '').includes('WriteThrottleEvents'));
    assert.ok(alarm, 'no table throttle alarm');
    const metrics = alarm.Properties.Metrics as Array<{ Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: unknown[] } } }>;
    assert.equal(metrics.find((m) => m.Expression)?.Expression, 'reads + writes');
    assert.deepEqual(
      metrics.filter((m) => m.MetricStat).map((m) => [m.MetricStat?.Metric.Namespace, m.MetricStat?.Metric.MetricName, m.MetricStat?.Metric.Dimensions]),
      [
        ['AWS/DynamoDB', 'ReadThrottleEvents', [{ Name: 'TableName', Value: { Ref: id(table.table) } }]],
        ['AWS/DynamoDB', 'WriteThrottleEvents', [{ Name: 'TableName', Value: { Ref: id(table.table) } }]],
      ],
    );
    assert.equal(alarm.Properties.EvaluationPeriods, 3);
    assert.deepEqual(alarm.Properties.AlarmActions, [topic]);
  });

  it('alarms on the busiest ingest task\'s CPU, from the per-task gauge the node reporter emits', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Streamplane',
      MetricName: INGEST_METRICS.nodeCpuPercent,
      Dimensions: [{ Name: 'service', Value: 'ingest' }],
      Statistic: 'Maximum',
      Threshold: 90,
      EvaluationPeriods: 5,
      AlarmActions: [topic],
    });
  });

  it('alarms on repeated S3 segment upload failures', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Streamplane',
      MetricName: 'segment_upload_failures',
      Dimensions: [{ Name: 'service', Value: 'ingest' }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 10,
      EvaluationPeriods: 2,
    });
  });

  it('alarms when the failover sweep stopped running, missing data included', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(failover.function) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [topic],
    });
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'Invocations', Dimensions: Match.anyValue() }, 1);
  });
});
