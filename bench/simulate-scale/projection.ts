/**
 * Projects a scale run onto AWS: the hottest DynamoDB partition per phase against the per-partition write
 * limit, S3 PUTs per stream prefix, EventBridge PutEvents and Lambda concurrency (Little's law with
 * assumed in-AWS latencies, stated below) against each service's documented default limits.
 * Pure arithmetic: no I/O, so the test suite can assert it.
 */
import type { ScenarioResult } from './scenario';

/** Documented limits (defaults; the adjustable ones are quotas to raise, see docs/scale.md). */
export const LIMITS = {
  /** DynamoDB: one partition serves at most 1,000 WCU/s (and 3,000 RCU/s), on-demand or not. */
  dynamoWcuPerPartition: 1000,
  /** S3: 3,500 PUT/COPY/POST/DELETE per second per prefix. */
  s3PutPerPrefix: 3500,
  /** EventBridge PutEvents: 10,000 requests/s in us-east-1, us-west-2, eu-west-1 (adjustable; less elsewhere). */
  eventBridgePutEvents: 10_000,
  /** Lambda: 1,000 concurrent executions per account and region (adjustable). */
  lambdaConcurrency: 1000,
} as const;

/** Assumed latencies inside AWS (not dynalite's): a DynamoDB call, a webhook receiver's answer. */
export const ASSUMED = { dynamoCallMs: 8, webhookResponseMs: 150, batchSize: 10 } as const;

export interface Projection {
  name: string;
  value: number;
  limit: number;
  unit: string;
  share: number;
}

export function project(result: ScenarioResult): Projection[] {
  const out: Projection[] = [];
  const { options } = result;
  for (const phase of result.phases) {
    const hottest = phase.hottest[0];
    if (!hottest) continue;
    out.push({ name: `DynamoDB hottest partition, ${phase.name} (${hottest.partition})`, value: hottest.wcuPerSecond, limit: LIMITS.dynamoWcuPerPartition, unit: 'WCU/s', share: hottest.wcuPerSecond / LIMITS.dynamoWcuPerPartition });
  }
  // Every rendition writes a segment and rewrites its playlist per segment, under live/<streamId>/.
  const perPrefix = (options.renditions * 2) / options.segmentSeconds;
  out.push({ name: 'S3 PUT per stream prefix (live/<streamId>/)', value: perPrefix, limit: LIMITS.s3PutPerPrefix, unit: 'PUT/s', share: perPrefix / LIMITS.s3PutPerPrefix });
  const storm = result.phases.find((p) => p.name === 'connect storm');
  const eventsPerSecond = storm ? storm.events / storm.simulatedSeconds : 0;
  out.push({ name: 'EventBridge PutEvents, connect storm', value: eventsPerSecond, limit: LIMITS.eventBridgePutEvents, unit: 'req/s', share: eventsPerSecond / LIMITS.eventBridgePutEvents });
  if (storm) {
    const connectsPerSecond = options.streams / storm.simulatedSeconds;
    const calls = (name: string) => Object.entries(storm.requests).reduce((n, [, v]) => n + v, 0) * (name === '' ? 1 : 1);
    const dynamoCallsPerEvent = calls('') / Math.max(1, storm.events);
    // publish-auth: ~3 DynamoDB calls per connect; consumer and dispatcher: per batch of 10 events.
    const publishAuth = connectsPerSecond * (3 * ASSUMED.dynamoCallMs) / 1000;
    const consumers = (eventsPerSecond / ASSUMED.batchSize) * (ASSUMED.batchSize * 3 * ASSUMED.dynamoCallMs) / 1000;
    const dispatchers = (eventsPerSecond / ASSUMED.batchSize) * (ASSUMED.batchSize * options.webhookEndpoints * (4 * ASSUMED.dynamoCallMs + ASSUMED.webhookResponseMs)) / 1000;
    const concurrency = publishAuth + consumers + dispatchers;
    out.push({ name: `Lambda concurrency, connect storm (${dynamoCallsPerEvent.toFixed(1)} DynamoDB calls per event measured)`, value: concurrency, limit: LIMITS.lambdaConcurrency, unit: 'executions', share: concurrency / LIMITS.lambdaConcurrency });
  }
  return out;
}

/** Human-readable report lines. */
export function formatReport(result: ScenarioResult): string[] {
  const lines: string[] = [];
  const { options } = result;
  lines.push(`== ${options.streams} streams, ${Math.ceil(options.streams / options.streamsPerTask)} ingest tasks, ${options.webhookEndpoints} webhook endpoints (${(result.wallSeconds / 60).toFixed(1)} min wall, ${(result.cpuSeconds / 60).toFixed(1)} CPU-min on this machine)`);
  for (const phase of result.phases) {
    lines.push(`-- ${phase.name}: ${phase.simulatedSeconds} simulated s, ${phase.wallSeconds.toFixed(1)} s wall, ${phase.events} events${phase.load ? `, load ${phase.load.start.toFixed(1)} → ${phase.load.end.toFixed(1)} (1-min load average)` : ''}`);
    for (const hot of phase.hottest.slice(0, 5)) lines.push(`   ${hot.wcuPerSecond.toFixed(2).padStart(9)} WCU/s  ${hot.writes.toString().padStart(7)} writes  ${hot.partition}`);
  }
  lines.push(`events processed (consumer + dispatcher on dynalite): ${result.eventsPerWallSecond.toFixed(0)} events/s wall; webhooks sent ${result.webhooksSent}; ${result.redelivered ?? 0} records redelivered after a handler failure`);
  lines.push(`failover: ${result.failover.interrupted}/${result.failover.streams} streams of the lost task interrupted ${result.failover.detectedAfterSeconds} simulated s after its last beat (sweep took ${result.failover.sweepWallSeconds.toFixed(2)} s wall on dynalite)`);
  lines.push(`listing: ${result.listing.streams} streams in ${result.listing.pages} pages, ${result.listing.wallSeconds.toFixed(1)} s wall`);
  lines.push('projection against documented limits:');
  for (const p of project(result)) lines.push(`   ${(p.share * 100).toFixed(1).padStart(6)} %  ${p.value.toFixed(2)} ${p.unit} of ${p.limit}  ${p.name}${p.share > 0.5 ? '  <-- over 50 %' : ''}`);
  return lines;
}
