/**
 * The cloud adapters under the faults AWS really produces, injected by a faulting HTTP proxy in front of
 * s3rver and dynalite (and with aws-sdk-client-mock for EventBridge, which has no local server): S3
 * `503 SlowDown` and hung requests, DynamoDB throttling, EventBridge `PutEvents` partial failures. The
 * promise: nothing is lost — a fault is retried until it clears, or surfaced as an error (logged and
 * counted) that the caller can act on; never a silent drop, never a duplicate with a new identity.
 */
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, appendFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeEventPublisher, EventPublishError } from '../../adapters/eventbridge-event-publisher';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { ObjectStoreError, S3ObjectStore } from '../../adapters/s3-object-store';
import { buildEvent } from '../../core/events/catalog';
import { eventEmitter } from '../../core/events/emit-event';
import { newId } from '../../core/ids';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import type { Logger } from '../../core/ports/logger';
import type { Metrics } from '../../core/ports/metrics';
import { systemClock } from '../../core/ports/clock';
import { Packager, type PackagerSegmentEvent } from '../../containers/ingest/src/packager';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { startTestS3, type TestS3 } from '../support/local-s3';
import { waitFor } from '../support/wait';

type Fault = { status: number; headers?: Record<string, string>; body: string } | 'hang';

/** Forwards to `target` unless `fault(request)` answers instead (or leaves the request hanging). */
class FaultingProxy {
  readonly hits: string[] = [];
  private server: Server | undefined;
  private readonly hung: ServerResponse[] = [];
  fault: (req: IncomingMessage, n: number) => Fault | undefined = () => undefined;

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      const n = this.hits.push(`${req.method} ${req.url} ${req.headers['x-amz-target'] ?? ''}`.trim());
      const fault = this.fault(req, n);
      if (fault === 'hang') {
        req.resume();
        this.hung.push(res);
        return;
      }
      if (fault) {
        req.resume();
        res.writeHead(fault.status, { 'content-type': 'application/xml', ...fault.headers }).end(fault.body);
        return;
      }
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

const SLOW_DOWN: Fault = { status: 503, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>' };
const throttled = (type: string): Fault => ({
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type },
  body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'Rate of requests exceeds the allowed throughput.' }),
});

function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, ...(fields ? { fields } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function countingMetrics(): Metrics & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return { counts, count: (name, value = 1) => void counts.set(name, (counts.get(name) ?? 0) + value), gauge() {}, timing() {} };
}

describe('S3 object store under fault (s3rver behind a faulting proxy)', () => {
  let s3: TestS3;
  let proxy: FaultingProxy;
  let client: S3Client;
  let root: string;
  before(async () => {
    s3 = await startTestS3('streamplane-faults');
    const endpoint = await s3.client.config.endpoint!();
    proxy = new FaultingProxy(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`);
    client = new S3Client({
      endpoint: await proxy.start(),
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    root = await mkdtemp(join(tmpdir(), 'sp-s3-faults-'));
  });
  after(async () => {
    client?.destroy();
    await proxy?.stop();
    await s3?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('retries 503 SlowDown inside the SDK: the put lands once the bucket calms down', async () => {
    const store = new S3ObjectStore({ bucket: s3.bucket, client });
    let slowDowns = 0;
    proxy.fault = (req) => (req.method === 'PUT' && req.url?.includes('calm.ts') && slowDowns++ < 2 ? SLOW_DOWN : undefined);
    await store.put('live/st_faults/360p/calm.ts', 'segment', { contentType: 'video/mp2t', cacheControl: 'no-cache' });
    assert.equal(slowDowns, 3, 'two SlowDowns, then the put that landed');
    assert.equal(new TextDecoder().decode(await store.get('live/st_faults/360p/calm.ts')), 'segment');
  });

  it('surfaces SlowDown that outlasts the SDK retries, and abandons a hung request after its deadline', async () => {
    const store = new S3ObjectStore({ bucket: s3.bucket, client });
    proxy.fault = (req) => (req.method === 'PUT' && req.url?.includes('storm.ts') ? SLOW_DOWN : undefined);
    await assert.rejects(store.put('live/st_faults/360p/storm.ts', 'x', { contentType: 'video/mp2t', cacheControl: 'no-cache' }), (err: Error) => err.name === 'SlowDown');
    proxy.fault = (req) => (req.url?.includes('hung.ts') ? 'hang' : undefined);
    await assert.rejects(new S3ObjectStore({ bucket: s3.bucket, client, timeoutMs: 300 }).put('live/st_faults/360p/hung.ts', 'x', { contentType: 'video/mp2t', cacheControl: 'no-cache' }), (err: unknown) => err instanceof ObjectStoreError && /longer than 300 ms/.test(err.message));
    proxy.fault = () => undefined;
  });

  it('an adopted segment file (a streamed body, which the SDK does not retry) keeps its file through SlowDown and a hung put', async () => {
    const store = new S3ObjectStore({ bucket: s3.bucket, client, timeoutMs: 500 });
    const file = join(root, 'adopt-me.ts');
    const segment = Buffer.alloc(188 * 400, 0x47);
    await writeFile(file, segment);
    const options = { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' };
    let puts = 0;
    proxy.fault = (req) => {
      if (req.method !== 'PUT' || !req.url?.includes('adopted.ts')) return undefined;
      puts++;
      return puts === 1 ? SLOW_DOWN : puts === 2 ? 'hang' : undefined;
    };

    await assert.rejects(store.adoptFile('live/st_faults/360p/adopted.ts', file, options), (err: Error) => err.name === 'SlowDown');
    assert.equal(puts, 1, 'one attempt: a consumed stream is never re-sent by the SDK');
    await assert.rejects(store.adoptFile('live/st_faults/360p/adopted.ts', file, options), (err: unknown) => err instanceof ObjectStoreError && /longer than 500 ms/.test(err.message));
    assert.equal(await store.get('live/st_faults/360p/adopted.ts'), undefined, 'nothing stored by the failed attempts');
    assert.deepEqual(await store.adoptFile('live/st_faults/360p/adopted.ts', file, options).then((a) => a?.bytes), segment.length);
    proxy.fault = () => undefined;
    assert.deepEqual(Buffer.from((await store.get('live/st_faults/360p/adopted.ts'))!), segment);
    await assert.rejects(access(file), { code: 'ENOENT' });
  });

  it('a packager on S3 loses no segment through SlowDown storms and hung puts', async () => {
    // Prepare: every segment's first puts fail hard (SlowDown beyond the SDK's attempts), and one hangs.
    const store = new S3ObjectStore({ bucket: s3.bucket, client, timeoutMs: 3_000 });
    const streamId = newId('stream');
    const refusals = new Map<string, number>();
    proxy.fault = (req) => {
      const path = (req.url ?? '').split('?')[0]!;
      if (req.method !== 'PUT' || !path.endsWith('.ts')) return undefined;
      const n = (refusals.get(path) ?? 0) + 1;
      refusals.set(path, n);
      if (path.endsWith('/1-2000-0.ts') && n === 1) return 'hang';
      return n <= 4 ? SLOW_DOWN : undefined;
    };
    const packager = new Packager({ streamId, renditions: [{ name: '180p', bandwidth: 300_000, codecs: 'avc1.42c01e' }], objectStore: store, pollIntervalMs: 15, settleMs: 10, retry: { initialDelayMs: 20, maxDelayMs: 100 } });
    const published: PackagerSegmentEvent[] = [];
    packager.on('segment', (s) => published.push(s));
    await packager.start();
    const run = join(root, 'run-1');
    await packager.attach(run);
    await mkdir(join(run, '180p'), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const name = `seg_${String(i).padStart(6, '0')}.ts`;
      await writeFile(join(run, '180p', name), Buffer.alloc(188 * 2, 0x47));
      await appendFile(join(run, '180p', 'segments.csv'), `${name},${i * 2}.000000,${i * 2 + 2}.000000\n`);
    }

    // Act + Assess: every segment is stored and in the playlist, in order, once the faults clear.
    await waitFor('every segment to be stored through the faults', () => published.length === 3, { timeoutMs: 30_000, intervalMs: 50 });
    await packager.stop({ endList: true });
    proxy.fault = () => undefined;
    assert.deepEqual(published.map((s) => s.sequence), [0, 1, 2]);
    assert.ok(packager.stats().renditions['180p']!.uploadRetries >= 3, 'the faults were met and retried');
    const playlist = parseMediaPlaylist(new TextDecoder().decode(await store.get(`live/${streamId}/180p/index.m3u8`)));
    assert.deepEqual(playlist.segments.map((s) => [s.uri, s.gap ?? false]), [['0-2000-0.ts', false], ['1-2000-0.ts', false], ['2-2000-0.ts', false]]);
    for (const s of playlist.segments) assert.equal((await store.get(`live/${streamId}/180p/${s.uri}`))?.length, 376);
  });
});

describe('DynamoDB under throttling (dynalite behind a faulting proxy)', () => {
  let dynamo: TestDynamo;
  let proxy: FaultingProxy;
  let client: DynamoDBClient;
  before(async () => {
    dynamo = await startTestDynamo();
    proxy = new FaultingProxy(dynamo.server.endpoint);
    client = new DynamoDBClient({ endpoint: await proxy.start(), region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 4 });
  });
  after(async () => {
    client?.destroy();
    await proxy?.stop();
    await dynamo?.stop();
  });

  for (const type of ['ProvisionedThroughputExceededException', 'ThrottlingException']) {
    it(`retries ${type} without applying a write twice`, async () => {
      const store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client });
      const streamId = newId('stream');
      let throttles = 0;
      proxy.fault = (req) => (req.headers['x-amz-target'] === 'DynamoDB_20120810.UpdateItem' && throttles++ < 2 ? throttled(type) : undefined);
      assert.equal(await store.nextSequence(streamId), 1);
      assert.equal(throttles, 3, 'two throttled attempts, then the one that landed');
      proxy.fault = () => undefined;
      assert.equal(await store.nextSequence(streamId), 2, 'the throttled attempts did not count');
    });
  }

  it('surfaces throttling that outlasts the retries as the SDK error, for the caller to retry or dead-letter', async () => {
    const store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client });
    const streamId = newId('stream');
    proxy.fault = (req) => (req.headers['x-amz-target'] === 'DynamoDB_20120810.UpdateItem' ? throttled('ProvisionedThroughputExceededException') : undefined);
    await assert.rejects(store.nextSequence(streamId), (err: Error) => err.name === 'ProvisionedThroughputExceededException');
    proxy.fault = () => undefined;
    assert.equal(await store.nextSequence(streamId), 1, 'nothing was half-applied');
  });
});

describe('EventBridge PutEvents partial failures (aws-sdk-client-mock)', () => {
  const event = buildEvent({ type: 'stream.enabled', streamId: 'st_aaaaaaaaaaaaaaaaaaaa', data: {} }, { id: 'evt_aaaaaaaaaaaaaaaaaaaa', time: new Date('2025-01-01T00:00:00Z'), sequence: 3 });
  const failed = (code: string) => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: code, ErrorMessage: 'refused' }] });

  it('sends a throttled entry again until EventBridge takes it: the same event, once', async () => {
    const mock = mockClient(EventBridgeClient);
    mock.on(PutEventsCommand).resolvesOnce(failed('ThrottlingException')).resolvesOnce(failed('InternalFailure')).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
    const logger = recordingLogger();
    const metrics = countingMetrics();
    try {
      await new EventBridgeEventPublisher({ eventBusName: 'bus', client: new EventBridgeClient({ region: 'eu-west-1' }), logger, metrics, initialDelayMs: 5 }).publish(event);
      const sent = mock.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries?.[0]?.Detail ?? '{}') as { id: string });
      assert.deepEqual(sent.map((e) => e.id), [event.id, event.id, event.id], 'retries resend the same envelope (consumers dedupe on id)');
      assert.equal(metrics.counts.get('event_publish_retries'), 2);
      assert.equal(metrics.counts.get('event_publish_failures'), undefined);
    } finally {
      mock.restore();
    }
  });

  it('surfaces a refusal that will not clear, or is not retryable: error, log line and metric', async () => {
    const mock = mockClient(EventBridgeClient);
    const logger = recordingLogger();
    const metrics = countingMetrics();
    try {
      mock.on(PutEventsCommand).resolves(failed('ThrottlingException'));
      const publisher = new EventBridgeEventPublisher({ eventBusName: 'bus', client: new EventBridgeClient({ region: 'eu-west-1' }), logger, metrics, initialDelayMs: 2, maxAttempts: 3 });
      await assert.rejects(publisher.publish(event), (err: unknown) => err instanceof EventPublishError && err.entryErrorCode === 'ThrottlingException');
      assert.equal(mock.commandCalls(PutEventsCommand).length, 3);

      mock.reset();
      mock.on(PutEventsCommand).resolves(failed('MalformedDetail'));
      await assert.rejects(publisher.publish(event), (err: unknown) => err instanceof EventPublishError && err.entryErrorCode === 'MalformedDetail');
      assert.equal(mock.commandCalls(PutEventsCommand).length, 1, 'a refusal that cannot clear is not retried');
      assert.equal(metrics.counts.get('event_publish_failures'), 2);
      assert.equal(logger.lines.filter((l) => l.level === 'error' && l.fields?.['eventId'] === event.id).length, 2);
    } finally {
      mock.restore();
    }
  });

  it('through the emitter: a partially failed PutEvents still delivers the event with its one sequence', async () => {
    const mock = mockClient(EventBridgeClient);
    mock.on(PutEventsCommand).resolvesOnce(failed('ThrottlingException')).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-2' }] });
    try {
      let sequence = 0;
      const emit = eventEmitter({ store: { nextSequence: async () => ++sequence }, publisher: new EventBridgeEventPublisher({ eventBusName: 'bus', client: new EventBridgeClient({ region: 'eu-west-1' }), initialDelayMs: 2 }), clock: systemClock });
      const emitted = await emit({ type: 'stream.enabled', streamId: 'st_aaaaaaaaaaaaaaaaaaaa', data: {} });
      const sent = mock.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries?.[0]?.Detail ?? '{}') as { id: string; sequence: number });
      assert.equal(sent.length, 2);
      assert.ok(sent.every((e) => e.id === emitted.id && e.sequence === 1), 'one identity and one sequence number across the retry');
    } finally {
      mock.restore();
    }
  });
});
