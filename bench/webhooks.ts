/**
 * `npm run bench:webhooks`: webhook throughput and latency of the local plane, next to a baseline
 * measured in the same run.
 *
 *   plane     events emitted (sequence from the table, event log append, local bus) → EventBridge-shaped
 *             message on the local queue → dispatcher handler (claim, sign, POST, log) → local receiver.
 *             Latency runs from just before `emit` to the 2xx arriving at the sender. Two runs: a steady
 *             rate the plane keeps up with (latency without a backlog), then emitters flat out
 *             (throughput; latency there is mostly time spent waiting in the queue).
 *   baseline  a bare keep-alive HTTP POST loop with the same body to the same receiver, one at a time
 *             and with the same concurrency: what the network path alone costs.
 *
 * Bounded: BENCH_LATENCY_EVENTS (300) at BENCH_RATE per second (25), BENCH_EVENTS (2000) flat out from
 * BENCH_CONCURRENCY emitters (16), at most BENCH_SECONDS (120) in all. Loopback only. Writes
 * .bench/webhooks.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbWebhookStore } from '../adapters/dynamodb-webhook-store';
import { newId } from '../core/ids';
import { systemClock } from '../core/ports/clock';
import { silentLogger } from '../core/ports/logger';
import type { Metrics } from '../core/ports/metrics';
import { createWebhook } from '../core/webhooks/registry';
import { LOCAL_URL_POLICY } from '../core/webhooks/url-policy';
import { startLocalRegistry } from '../local/local-registry';
import { wireLocalWebhooks } from '../local/webhooks-wiring';

const EVENTS = positive('BENCH_EVENTS', 2000, 100_000);
const LATENCY_EVENTS = positive('BENCH_LATENCY_EVENTS', 300, 100_000);
const RATE = positive('BENCH_RATE', 25, 10_000);
const CONCURRENCY = positive('BENCH_CONCURRENCY', 16, 256);
const DEADLINE = Date.now() + positive('BENCH_SECONDS', 120, 3600) * 1000;
const TABLE = 'streamplane';

interface Figures {
  count: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sp-bench-webhooks-'));
  const cleanups: Array<() => Promise<void> | void> = [() => rm(dir, { recursive: true, force: true })];
  try {
    let received = 0;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(204).end();
      });
    });
    receiver.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => (receiver.close(() => resolve()), receiver.closeAllConnections())));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const registry = await startLocalRegistry({ dataDir: join(dir, 'db'), logger: silentLogger, tableName: TABLE });
    cleanups.push(() => registry.close());
    const { client, eventLog, bus, emit } = registry;

    const startedAt = new Map<string, number>();
    const okAt = new Map<string, number>();
    let failures = 0;
    const counters = new Map<string, number>();
    const metrics: Metrics = {
      count: (name, value = 1, labels = {}) => {
        const key = [name, ...Object.values(labels)].join(':');
        counters.set(key, (counters.get(key) ?? 0) + value);
      },
      gauge: () => undefined,
      timing: () => undefined,
    };
    const webhooks = wireLocalWebhooks({
      metrics,
      bus,
      eventLog,
      client,
      tableName: TABLE,
      emit,
      apiToken: () => 'bench-token-not-served-anywhere-0000',
      wrapSender: (sender) => ({
        async send(req) {
          const result = await sender.send(req);
          if (result.ok) okAt.set(req.headers['webhook-id'] as string, performance.now());
          else failures++;
          return result;
        },
      }),
    });
    cleanups.push(() => webhooks.close());
    const store = new DynamoDbWebhookStore({ tableName: TABLE, client });
    await createWebhook({ store, clock: systemClock, urlPolicy: LOCAL_URL_POLICY, enqueue: async () => undefined }, { url });

    // Warm-up: connections, JIT, table pages.
    await emit({ type: 'stream.created', streamId: newId('stream'), data: { name: 'warm-up' } });
    await waitUntil(() => okAt.size >= 1, 'the warm-up delivery');
    okAt.clear();

    // --- plane, latency: events at a steady rate the plane keeps up with (open loop) ---------------
    const streamIds = Array.from({ length: CONCURRENCY }, () => newId('stream'));
    let sampleBody = '';
    const latencyIds: string[] = [];
    const interval = 1000 / RATE;
    const latencyStart = performance.now();
    const inFlightEmits: Array<Promise<void>> = [];
    for (let i = 0; i < LATENCY_EVENTS && Date.now() < DEADLINE; i++) {
      const due = latencyStart + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const t0 = performance.now();
      inFlightEmits.push(
        emit({ type: 'stream.updated', streamId: streamIds[i % streamIds.length] as string, data: { changed: [`field${i % 7}`] } }).then((event) => {
          startedAt.set(event.id, t0);
          latencyIds.push(event.id);
          sampleBody ||= JSON.stringify(event);
        }),
      );
    }
    await Promise.all(inFlightEmits);
    await waitUntil(() => latencyIds.every((id) => okAt.has(id)), `${latencyIds.length} deliveries`);
    const steady = figures(
      latencyIds.map((id) => (okAt.get(id) as number) - (startedAt.get(id) as number)),
      (Math.max(...latencyIds.map((id) => okAt.get(id) as number)) - latencyStart) / 1000,
    );

    // --- plane, throughput: CONCURRENCY emitters as fast as they can (closed loop) -----------------
    const burstIds: string[] = [];
    let next = 0;
    const burstStart = performance.now();
    await Promise.all(
      streamIds.map(async (streamId) => {
        while (next < EVENTS && Date.now() < DEADLINE) {
          const i = next++;
          const t0 = performance.now();
          const event = await emit({ type: 'stream.updated', streamId, data: { changed: [`field${i % 7}`] } });
          startedAt.set(event.id, t0);
          burstIds.push(event.id);
        }
      }),
    );
    const emitSeconds = (performance.now() - burstStart) / 1000;
    await waitUntil(() => burstIds.every((id) => okAt.has(id)), `${burstIds.length} deliveries`);
    const burst = figures(
      burstIds.map((id) => (okAt.get(id) as number) - (startedAt.get(id) as number)),
      (Math.max(...burstIds.map((id) => okAt.get(id) as number)) - burstStart) / 1000,
    );

    // --- baseline: the same receiver and body, nothing else -----------------------------------------
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    cleanups.push(() => agent.destroy());
    const loop = async (count: number, concurrency: number): Promise<Figures> => {
      const latencies: number[] = [];
      let sent = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (sent < count && Date.now() < DEADLINE) {
            sent++;
            const t0 = performance.now();
            await post(agent, url, sampleBody);
            latencies.push(performance.now() - t0);
          }
        }),
      );
      return figures(latencies, (performance.now() - start) / 1000);
    };
    const baselineSerial = await loop(LATENCY_EVENTS, 1);
    const baseline = await loop(EVENTS, CONCURRENCY);

    const result = {
      date: new Date().toISOString(),
      node: process.version,
      bodyBytes: Buffer.byteLength(sampleBody),
      failedAttempts: failures,
      receiverRequests: received,
      dispatcherCounters: Object.fromEntries([...counters].sort()),
      steady: { ratePerSecond: RATE, ...steady },
      burst: { concurrency: CONCURRENCY, emitPerSecond: round(burstIds.length / emitSeconds), ...burst },
      baselineSerial,
      baseline: { concurrency: CONCURRENCY, ...baseline },
    };
    await mkdir('.bench', { recursive: true });
    await writeFile(join('.bench', 'webhooks.json'), JSON.stringify(result, null, 2) + '\n');
    const row = (name: string, f: Figures) =>
      `${name.padEnd(46)} ${String(f.count).padStart(6)} ${f.perSecond.toFixed(0).padStart(8)} ${f.p50Ms.toFixed(2).padStart(9)} ${f.p99Ms.toFixed(2).padStart(9)} ${f.maxMs.toFixed(2).padStart(9)}`;
    process.stdout.write(
      [
        `webhooks bench: ${result.bodyBytes}-byte events, one endpoint, local receiver, node ${process.version}`,
        `${'run'.padEnd(46)} ${'count'.padStart(6)} ${'per s'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'max ms'.padStart(9)}`,
        row(`plane, steady ${RATE}/s: event created → 2xx`, steady),
        row(`plane, ${CONCURRENCY} emitters flat out: created → 2xx`, burst),
        row('baseline: bare POST loop, 1 at a time', baselineSerial),
        row(`baseline: bare POST loop, ${CONCURRENCY} at a time`, baseline),
        `emit alone (sequence + event log + bus) ran at ${result.burst.emitPerSecond}/s during the flat-out run; failed attempts: ${failures}`,
        `dispatcher: ${[...counters].sort().map(([k, v]) => `${k}=${v}`).join(' ')}`,
        '(results in .bench/webhooks.json)',
        '',
      ].join('\n'),
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

function post(agent: Agent, url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function figures(latencies: number[], seconds: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { count: sorted.length, seconds: round(seconds), perSecond: round(sorted.length / seconds), p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted.at(-1) ?? NaN) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  while (!condition()) {
    if (Date.now() > DEADLINE) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function positive(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer from 1 to ${max}.`);
  return value;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:webhooks failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
