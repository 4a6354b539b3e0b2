/**
 * Each of the eight functions' AWS wiring has a real metrics sink: built from a fake environment (no AWS
 * call is made), its metrics are Powertools Metrics, and a flush writes a CloudWatch EMF document to
 * stdout. The three HTTP APIs also count each request as `api_requests{route, status}`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { failoverCloudDeps } from '../../../lambdas/failover/cloud-deps';
import { publishAuthCloudDeps } from '../../../lambdas/publish-auth/cloud-deps';
import { recordingFinalizerCloudDeps } from '../../../lambdas/recording-finalizer/cloud-deps';
import { recordingRetentionCloudDeps } from '../../../lambdas/recording-retention/cloud-deps';
import { recordingsApiCloudDeps } from '../../../lambdas/recordings-api/cloud-deps';
import { createRecordingsApiHandler } from '../../../lambdas/recordings-api/handler';
import { EmfMetrics } from '../../../lambdas/shared/metrics';
import { streamRegistryCloudDeps } from '../../../lambdas/stream-registry/cloud-deps';
import { eventConsumerCloudDeps } from '../../../lambdas/stream-registry/event-consumer-deps';
import { createStreamRegistryHandler } from '../../../lambdas/stream-registry/handler';
import { webhookDispatcherCloudDeps } from '../../../lambdas/webhook-dispatcher/cloud-deps';
import { webhooksApiCloudDeps } from '../../../lambdas/webhooks-api/cloud-deps';
import { createWebhooksApiHandler } from '../../../lambdas/webhooks-api/handler';
import type { HttpEvent, HttpResult } from '../../../lambdas/shared/http-types';
import type { Context } from 'aws-lambda';

process.env.POWERTOOLS_METRICS_NAMESPACE = 'StreamplaneTest';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/q';
const TOKEN = 't'.repeat(40);
const env = {
  TABLE_NAME: 'Streamplane-Registry',
  EVENT_BUS_NAME: 'streamplane-events',
  MEDIA_BUCKET: 'streamplane-media',
  PLAYBACK_BASE_URL: 'https://d111.cloudfront.net',
  RECORDING_RETENTION_DAYS: '30',
  WEBHOOK_RETRY_QUEUE_URL: QUEUE,
  WEBHOOK_DLQ_URL: QUEUE,
  API_TOKEN: TOKEN,
  RTMP_SERVER_URL: 'rtmp://ingest.example.com/live',
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
  ['stream registry API', () => streamRegistryCloudDeps(env)],
  ['webhooks API', () => webhooksApiCloudDeps(env)],
  ['recordings API', () => recordingsApiCloudDeps(env)],
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

  /** A payload v2 request as API Gateway hands it over. */
  const request = (method: string, path: string, token?: string): HttpEvent =>
    ({ rawPath: path, headers: token ? { authorization: `Bearer ${token}` } : {}, requestContext: { http: { method, path }, requestId: 'req-1' } }) as unknown as HttpEvent;
  const context = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
  type ApiHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

  const apis: Array<[string, () => Promise<ApiHandler & { metrics: EmfMetrics }>, string, string, string]> = [
    ['stream registry API', async () => withSink(await streamRegistryCloudDeps(env), createStreamRegistryHandler), '/v1/streams/st_aaaaaaaaaaaaaaaaaaaa', '/v1/streams/{id}', 'st_aaaaaaaaaaaaaaaaaaaa'],
    ['webhooks API', async () => withSink(await webhooksApiCloudDeps(env), createWebhooksApiHandler), '/v1/webhooks/wh_aaaaaaaaaaaaaaaaaaaa', '/v1/webhooks/{id}', 'wh_aaaaaaaaaaaaaaaaaaaa'],
    ['recordings API', async () => withSink(await recordingsApiCloudDeps(env), createRecordingsApiHandler), '/v1/recordings/rec_aaaaaaaaaaaaaaaaaaaa', '/v1/recordings/{id}', 'rec_aaaaaaaaaaaaaaaaaaaa'],
  ];

  for (const [name, build, path, template, id] of apis) {
    it(`${name}: counts requests as api_requests by route template and status class, never by id`, async () => {
      const handler = await build();
      const docs: ReturnType<typeof emfWrittenBy> = [];
      // Unauthenticated: answered 401 before any store is touched (no AWS call).
      const result = await captureAsync(docs, () => handler(request('GET', path), context));
      assert.equal(result.statusCode, 401);
      await captureAsync(docs, () => handler(request('GET', '/v1/nowhere'), context));
      handler.metrics.powertools.publishStoredMetrics();
      const counts = docs.filter((d) => d.api_requests !== undefined).map((d) => ({ route: d.route, status: d.status, value: d.api_requests }));
      assert.deepEqual(counts, [
        { route: template, status: '4xx', value: 1 },
        { route: 'unmatched', status: '4xx', value: 1 },
      ]);
      assert.ok(!JSON.stringify(docs).includes(id), 'no id in any metric document');
    });
  }
});

/** The handler the cloud wiring builds, with its metrics sink at hand. */
function withSink<D extends { metrics: EmfMetrics }>(deps: D, create: (deps: D) => (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return Object.assign(create(deps), { metrics: deps.metrics });
}

/** Collects the EMF documents written to stdout while an async `act` runs. */
async function captureAsync<T>(into: ReturnType<typeof emfWrittenBy>, act: () => Promise<T>): Promise<T> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    return await act();
  } finally {
    process.stdout.write = write;
    into.push(...lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l)));
  }
}
