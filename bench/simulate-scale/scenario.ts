/**
 * The scale simulation: the real control-plane modules the Lambdas run (registry create/list, the
 * publish-auth handler, session transitions the ingest hooks make, the registry's event consumer handler,
 * the webhook dispatcher handler, ingest heartbeats and the failover sweep) against dynalite, with
 * simulated ingest tasks. Time is a simulated clock: each phase covers a fixed span of simulated seconds
 * whatever dynalite's speed, so the per-partition counts divided by that span are the rates AWS would see.
 *
 * Must never: sleep to synchronise, or report a wall-clock rate as an AWS projection.
 */
import type { SQSRecord } from 'aws-lambda';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDynamoClient } from '../../adapters/dynalite-server';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbIngestHeartbeats } from '../../adapters/dynamodb-ingest-heartbeats';
import { DynamoDbReconnectDeadlines } from '../../adapters/dynamodb-reconnect-deadlines';
import { DynamoDbSessionStore } from '../../adapters/dynamodb-session-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { ensureTable } from '../../adapters/dynamodb-table';
import { DynamoDbWebhookStore } from '../../adapters/dynamodb-webhook-store';
import { fakeLambdaContext } from '../../adapters/local-lambda-context';
import type { StreamplaneEvent } from '../../core/events/catalog';
import { eventEmitter } from '../../core/events/emit-event';
import type { Clock } from '../../core/ports/clock';
import type { Timers } from '../../core/ports/timers';
import { sweepIngestTasks, type FailoverDeps } from '../../core/streams/failover';
import { markLive } from '../../core/streams/publish-session';
import { createStream, listStreams } from '../../core/streams/stream-registry';
import { createStreamInput } from '../../core/streams/stream-input';
import { createWebhook } from '../../core/webhooks/registry';
import { CLOUD_URL_POLICY } from '../../core/webhooks/url-policy';
import { createEventConsumerHandler } from '../../lambdas/stream-registry/event-consumer';
import { createPublishAuthHandler } from '../../lambdas/publish-auth/handler';
import { createWebhookDispatcherHandler } from '../../lambdas/webhook-dispatcher/handler';
import { startDynaliteThread } from './dynalite-worker';
import { PartitionMeter, type PartitionCount } from './partition-meter';

export interface ScenarioOptions {
  streams: number;
  streamsPerTask: number;
  webhookEndpoints: number;
  /** Simulated seconds over which every stream connects (a reconnect storm after an outage). */
  connectSeconds: number;
  /** Simulated seconds of steady state (heartbeats every `heartbeatSeconds`). */
  steadySeconds: number;
  heartbeatSeconds: number;
  staleAfterSeconds: number;
  sweepEverySeconds: number;
  /** Renditions of the ladder and segment length, for the S3 projection. */
  renditions: number;
  segmentSeconds: number;
  concurrency: number;
}

export interface PhaseResult {
  name: string;
  simulatedSeconds: number;
  wallSeconds: number;
  events: number;
  hottest: Array<PartitionCount & { wcuPerSecond: number }>;
  requests: Record<string, number>;
  /** This machine's 1-minute load average when the phase started and ended (other work shares the cores). */
  load?: { start: number; end: number };
}

export interface ScenarioResult {
  options: ScenarioOptions;
  phases: PhaseResult[];
  failover: { streams: number; detectedAfterSeconds: number; sweepWallSeconds: number; interrupted: number };
  listing: { pages: number; streams: number; wallSeconds: number };
  eventsPerWallSecond: number;
  /** Records a handler reported failed and the simulated queue delivered again (dynalite under load). */
  redelivered: number;
  /** The whole run on this machine: wall seconds and CPU seconds of the process (both threads). */
  wallSeconds: number;
  cpuSeconds: number;
  putEvents: number;
  webhooksSent: number;
}

class SimClock implements Clock {
  constructor(private ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

const DECISION = { topRung: 'encode' as const, reason: 'simulated', renditions: [{ name: '360p', width: 640, height: 360, bandwidth: 800_000, codecs: 'avc1.4d401e,mp4a.40.2' }] };

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: ReadonlyArray<T>, limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

function sqsRecord(event: StreamplaneEvent, n: number): SQSRecord {
  const body = JSON.stringify({ version: '0', id: `eb-${event.id}`, source: 'streamplane', account: '000000000000', time: event.time, region: 'local', resources: [], 'detail-type': event.type, detail: event });
  return {
    messageId: `m-${n}-${event.id}`,
    receiptHandle: 'r',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'sim', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:sim',
    awsRegion: 'local',
  };
}

/**
 * Runs the scenario. `onPhase` gets every finished phase as it ends (a long run's figures survive a run
 * stopped before its end).
 */
export async function runScenario(options: ScenarioOptions, log: (line: string) => void = () => undefined, onPhase: (phase: PhaseResult) => Promise<void> = async () => undefined): Promise<ScenarioResult> {
  const runStarted = performance.now();
  const cpuStarted = process.cpuUsage();
  const dir = await mkdtemp(join(tmpdir(), 'streamplane-scale-'));
  const dynamo = await startDynaliteThread(dir);
  const client = localDynamoClient(dynamo.endpoint);
  try {
    const tableName = 'streamplane-scale';
    await ensureTable(client, tableName);
    const meter = new PartitionMeter();
    meter.install(client);
    const clock = new SimClock(Date.UTC(2026, 0, 1));
    const store = new DynamoDbStreamStore({ tableName, client, clock });
    const eventLog = new DynamoDbEventLog({ tableName, client, clock });
    const heartbeats = new DynamoDbIngestHeartbeats({ tableName, client });
    const deadlines = new DynamoDbReconnectDeadlines({ tableName, client });
    const sessions = new DynamoDbSessionStore({ tableName, client });
    const webhooks = new DynamoDbWebhookStore({ tableName, client });
    const published: StreamplaneEvent[] = [];
    let putEvents = 0;
    // EventBridge: one PutEvents per event, as adapters/eventbridge-event-publisher.ts sends them.
    const emit = eventEmitter({ store, clock, publisher: { publish: async (event: StreamplaneEvent) => { putEvents++; published.push(event); } } });
    const timers: Timers = { now: () => clock.now().getTime(), after: () => ({ cancel: () => undefined }) };
    let lastError: string | undefined;
    const errorsOnly = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (msg: string, fields?: Record<string, unknown>) => {
        lastError = `${msg} ${JSON.stringify(fields ?? {})}`.slice(0, 400);
      },
    };
    const consumer = createEventConsumerHandler({ eventLog, sessions, streams: store });
    let sent = 0;
    const dispatcher = createWebhookDispatcherHandler({
      logger: errorsOnly,
      store: webhooks,
      sender: { send: async () => { sent++; return { ok: true, statusCode: 200, latencyMs: 20 }; } },
      scheduler: { schedule: async () => undefined },
      deadLetters: { deadLetter: async () => undefined },
      emit,
      clock,
      timers,
    });
    const publishAuth = createPublishAuthHandler({ store, emit, clock });
    const failoverDeps: FailoverDeps = { store, emit, clock, heartbeats, deadlines };
    // Lambda's longest budget: on a shared 2-core machine one batch waits behind the 15 others on dynalite for
    // far longer than it would run in AWS, and a handler's early-timeout must not fire on that wait.
    const context = fakeLambdaContext({ functionName: 'simulate-scale', remainingMs: 900_000 });

    let processed = 0;
    let processingWall = 0;
    let redelivered = 0;
    let lastProgress = 0;
    const tries = new Map<string, number>();
    /**
     * The event bus → queues → consumer and dispatcher, in batches of 10 as the SQS event sources use. A
     * record a handler reports failed comes back, as SQS redelivers it (both handlers are idempotent), up
     * to the queues' five receives; only then does the run fail.
     */
    const drain = async () => {
      const started = performance.now();
      while (published.length > 0) {
        if (processed - lastProgress >= 5000) {
        lastProgress = processed;
        log(`drained ${processed} events (${published.length} queued)`);
      }
      const batch = published.splice(0, 10 * options.concurrency);
        const groups: StreamplaneEvent[][] = [];
        for (let i = 0; i < batch.length; i += 10) groups.push(batch.slice(i, i + 10));
        await pool(groups, options.concurrency, async (group, g) => {
          const records = group.map((e, i) => sqsRecord(e, g * 10 + i));
          const consumed = await consumer({ Records: records }, context);
          const dispatched = await dispatcher({ Records: records }, context);
          const failed = new Set([...consumed.batchItemFailures, ...dispatched.batchItemFailures].map((f) => f.itemIdentifier));
          for (const [i, record] of records.entries()) {
            if (!failed.has(record.messageId)) continue;
            const event = group[i] as StreamplaneEvent;
            const n = (tries.get(event.id) ?? 1) + 1;
            if (n > 5) throw new Error(`simulate-scale: event ${event.id} failed five receives (last: ${lastError ?? 'no error logged'})`);
            tries.set(event.id, n);
            redelivered++;
            published.push(event);
          }
        });
        processed += batch.length;
      }
      processingWall += (performance.now() - started) / 1000;
    };

    const phases: PhaseResult[] = [];
    const phase = async (name: string, simulatedSeconds: number, body: () => Promise<void>) => {
      meter.take();
      meter.requests.clear();
      const before = processed;
      const loadStart = loadavg()[0] ?? 0;
      const started = performance.now();
      await body();
      await drain();
      const hottest = meter
        .take()
        .slice(0, 12)
        .map((c) => ({ ...c, wcuPerSecond: c.wcu / simulatedSeconds }));
      const result = { name, simulatedSeconds, wallSeconds: (performance.now() - started) / 1000, events: processed - before, hottest, requests: Object.fromEntries(meter.requests), load: { start: loadStart, end: loadavg()[0] ?? 0 } };
      phases.push(result);
      await onPhase(result);
      log(`${name}: ${result.events} events in ${result.wallSeconds.toFixed(1)} s wall; hottest ${hottest[0]?.partition} ${hottest[0]?.wcuPerSecond.toFixed(1)} WCU/s; load ${loadStart.toFixed(1)} → ${result.load.end.toFixed(1)}`);
    };

    // Setup: endpoints subscribed to everything, then the streams (registry create, 1 simulated hour).
    for (let i = 0; i < options.webhookEndpoints; i++) {
      await createWebhook({ store: webhooks, clock, urlPolicy: CLOUD_URL_POLICY, enqueue: async () => undefined }, { url: `https://hooks${i}.example.com/in`, events: ['*'] });
    }
    const keys: Array<{ id: string; key: string }> = [];
    await phase('create streams', 3600, () =>
      pool(Array.from({ length: options.streams }), options.concurrency, async () => {
        clock.advance(Math.floor((3600 * 1000) / options.streams / options.concurrency));
        const { stream, streamKey } = await createStream({ store, emit, clock }, createStreamInput.parse({ name: 'sim', recording: false }));
        keys.push({ id: stream.id, key: streamKey });
        if (keys.length % 1000 === 0) log(`created ${keys.length}`);
      }),
    );

    // Connect storm: every encoder connects and goes live within connectSeconds; tasks beat meanwhile.
    const tasks = Array.from({ length: Math.ceil(options.streams / options.streamsPerTask) }, (_, t) => `task-${t}`);
    const taskStreams = new Map<string, string[]>(tasks.map((t) => [t, []]));
    await phase('connect storm', options.connectSeconds, async () => {
      const stepMs = (options.connectSeconds * 1000) / options.streams;
      await pool(keys, options.concurrency, async ({ id, key }, i) => {
        clock.advance(stepMs / options.concurrency);
        const decision = await publishAuth({ app: 'live', streamKey: key, remoteAddress: '192.0.2.10' }, context);
        if (!decision.allowed) throw new Error(`simulate-scale: publish refused (${decision.reason})`);
        await markLive({ store, emit, clock }, id, decision.sessionId, DECISION, `https://cdn.example/live/${id}/master.m3u8`);
        taskStreams.get(tasks[i % tasks.length] as string)?.push(id);
        if ((i + 1) % 1000 === 0) log(`live ${i + 1}`);
      });
    });

    // Steady state: heartbeats from every task; the sweep finds nothing stale.
    const beatAll = (except?: string) =>
      pool(tasks, options.concurrency, async (task) => {
        if (task !== except) await heartbeats.beat(task, taskStreams.get(task) ?? [], clock.now());
      });
    await phase('steady state', options.steadySeconds, async () => {
      for (let t = 0; t < options.steadySeconds; t += options.heartbeatSeconds) {
        await beatAll();
        clock.advance(options.heartbeatSeconds * 1000);
        if (t % options.sweepEverySeconds === 0) await sweepIngestTasks(failoverDeps, { staleAfterMs: options.staleAfterSeconds * 1000 });
      }
    });

    // Task loss: one task stops beating; the scheduled sweep finds it and interrupts its streams.
    const lost = tasks[0] as string;
    const lostAt = clock.now().getTime();
    let detectedAt = 0;
    let sweepWall = 0;
    let interrupted = 0;
    await phase('task loss', options.staleAfterSeconds + options.sweepEverySeconds, async () => {
      while (detectedAt === 0) {
        clock.advance(options.heartbeatSeconds * 1000);
        await beatAll(lost);
        const started = performance.now();
        const swept = await sweepIngestTasks(failoverDeps, { staleAfterMs: options.staleAfterSeconds * 1000 });
        sweepWall = (performance.now() - started) / 1000;
        const report = swept.lostTasks.find((r) => r.taskId === lost);
        if (report) {
          detectedAt = clock.now().getTime();
          interrupted = report.streams.filter((s) => s.outcome === 'interrupted').length;
        }
      }
    });

    // The registry's list, paged through every stream (newest first, merged across shards).
    const listStarted = performance.now();
    let pages = 0;
    let listed = 0;
    let cursor: string | undefined;
    do {
      const page = await listStreams({ store }, { limit: 100, ...(cursor ? { cursor } : {}) });
      pages++;
      listed += page.items.length;
      cursor = page.next;
    } while (cursor);
    if (listed !== options.streams) throw new Error(`simulate-scale: listed ${listed} of ${options.streams} streams`);
    if (sent === 0) throw new Error('simulate-scale: no webhook was sent');

    return {
      options,
      phases,
      failover: { streams: taskStreams.get(lost)?.length ?? 0, detectedAfterSeconds: (detectedAt - lostAt) / 1000, sweepWallSeconds: sweepWall, interrupted },
      listing: { pages, streams: listed, wallSeconds: (performance.now() - listStarted) / 1000 },
      eventsPerWallSecond: processed / Math.max(processingWall, 0.001),
      redelivered,
      wallSeconds: (performance.now() - runStarted) / 1000,
      cpuSeconds: (() => {
        const cpu = process.cpuUsage(cpuStarted);
        return (cpu.user + cpu.system) / 1e6;
      })(),
      putEvents,
      webhooksSent: sent,
    };
  } finally {
    client.destroy();
    await dynamo.close();
    await rm(dir, { recursive: true, force: true });
  }
}
