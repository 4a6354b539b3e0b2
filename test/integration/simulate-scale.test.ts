/**
 * A short run of `npm run simulate:scale` (200 streams on dynalite): the real registry, publish-auth,
 * event consumer, dispatcher, heartbeat and failover modules. Asserts what the projection says about
 * partitions, never a timing: no write lands on an unsharded plane-wide partition, and every phase's hottest
 * partition, scaled linearly to 10,000 streams, stays under 50 % of DynamoDB's 1,000 WCU/s per partition.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SCENARIO } from '../../bench/simulate-scale/defaults';
import { LIMITS, project } from '../../bench/simulate-scale/projection';
import { runScenario } from '../../bench/simulate-scale/scenario';

const STREAMS = 200;
const UNSHARDED = /^(gsi1:(STREAMS|WEBHOOKS|HEARTBEATS|NODES|MEDIA|RECONNECT_DEADLINES|EVENTS#-)|gsi2:(EVENTS|WEBHOOK_PENDING|RECS_SETTLED|RECS_UNSETTLED)|table:SEQ#-)$/;

describe('simulate:scale (short run)', () => {
  it('keeps every partition under half its write limit when projected to 10,000 streams, and recovers a lost task', { timeout: 900_000 }, async () => {
    const result = await runScenario({ ...DEFAULT_SCENARIO, streams: STREAMS, concurrency: 8 });
    for (const phase of result.phases) {
      for (const hot of phase.hottest) assert.doesNotMatch(hot.partition, UNSHARDED, `${phase.name}: a write landed on a single plane-wide partition`);
      const hottest = phase.hottest[0];
      assert.ok(hottest, `${phase.name} wrote something`);
      const at10k = hottest.wcuPerSecond * (10_000 / STREAMS);
      assert.ok(at10k < LIMITS.dynamoWcuPerPartition * 0.5, `${phase.name}: ${hottest.partition} would take ${at10k.toFixed(0)} WCU/s at 10,000 streams`);
    }
    assert.equal(result.failover.interrupted, result.failover.streams, 'every stream of the lost task was interrupted');
    assert.ok(result.failover.detectedAfterSeconds <= DEFAULT_SCENARIO.staleAfterSeconds + DEFAULT_SCENARIO.sweepEverySeconds, 'found within one sweep after going stale (simulated time)');
    assert.equal(result.listing.streams, STREAMS);
    assert.ok(result.webhooksSent >= STREAMS * 2 * DEFAULT_SCENARIO.webhookEndpoints, 'every connect and live event fanned out to every endpoint');
    assert.ok(project(result).every((p) => p.share < 0.5), 'every projected service stays under half its limit at this size');
  });
});
