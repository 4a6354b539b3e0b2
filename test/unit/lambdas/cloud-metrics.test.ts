/**
 * Each function's AWS wiring has a real metrics sink: built from a fake environment (no AWS call is
 * made), its metrics are Powertools Metrics, and a flush writes a CloudWatch EMF document to stdout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { failoverCloudDeps } from '../../../lambdas/failover/cloud-deps';
import { publishAuthCloudDeps } from '../../../lambdas/publish-auth/cloud-deps';
import { recordingFinalizerCloudDeps } from '../../../lambdas/recording-finalizer/cloud-deps';
import { recordingRetentionCloudDeps } from '../../../lambdas/recording-retention/cloud-deps';
import { EmfMetrics } from '../../../lambdas/shared/metrics';
import { eventConsumerCloudDeps } from '../../../lambdas/stream-registry/event-consumer-deps';
import { webhookDispatcherCloudDeps } from '../../../lambdas/webhook-dispatcher/cloud-deps';

process.env.POWERTOOLS_METRICS_NAMESPACE = 'StreamplaneTest';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/q';
const env = {
  TABLE_NAME: 'Streamplane-Registry',
  EVENT_BUS_NAME: 'streamplane-events',
  MEDIA_BUCKET: 'streamplane-media',
  PLAYBACK_BASE_URL: 'https://d111.cloudfront.net',
  RECORDING_RETENTION_DAYS: '30',
  WEBHOOK_RETRY_QUEUE_URL: QUEUE,
  WEBHOOK_DLQ_URL: QUEUE,
};

/** The EMF documents written to stdout while `act` runs. */
function emfWrittenBy(act: () => void): Array<{ _aws: { CloudWatchMetrics: Array<{ Namespace: string; Metrics: Array<{ Name: string }> }> } } & Record<string, unknown>> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    act();
  } finally {
    process.stdout.write = write;
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l));
}

const wirings: Array<[string, () => Promise<{ metrics?: unknown }> | { metrics?: unknown }]> = [
  ['publish-auth', () => publishAuthCloudDeps(env)],
  ['registry event consumer', () => eventConsumerCloudDeps(env)],
  ['recording finalizer', () => recordingFinalizerCloudDeps(env)],
  ['recording retention', () => recordingRetentionCloudDeps(env)],
  ['webhook dispatcher', () => webhookDispatcherCloudDeps(env)],
];

describe('cloud metrics wiring', () => {
  for (const [name, build] of wirings) {
    it(`${name}: counts go out as EMF on flush`, async () => {
      const { metrics } = await build();
      assert.ok(metrics instanceof EmfMetrics, `${name} has no Powertools metrics sink`);
      const docs = emfWrittenBy(() => {
        metrics.count('probe_total', 2);
        metrics.powertools.publishStoredMetrics();
      });
      assert.equal(docs.length, 1);
      assert.equal(docs[0]!._aws.CloudWatchMetrics[0]!.Namespace, 'StreamplaneTest');
      assert.deepEqual(docs[0]!._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name), ['probe_total']);
      assert.equal(docs[0]!.probe_total, 2);
    });
  }

  it('failover: Powertools Metrics itself', () => {
    assert.ok(failoverCloudDeps(env).metrics instanceof PowertoolsMetrics);
  });

  it('a labelled count is its own EMF document with the label as a dimension', () => {
    const metrics = new EmfMetrics('test');
    const docs = emfWrittenBy(() => metrics.count('recording_finalizations', 1, { outcome: 'ready' }));
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.outcome, 'ready');
    assert.equal(docs[0]!.recording_finalizations, 1);
  });
});
