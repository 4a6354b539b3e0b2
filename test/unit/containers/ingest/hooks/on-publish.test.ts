/**
 * The publish gate under a key-guessing flood: cheap and quiet for blocked attempts, never fooled into
 * resetting by a valid key, and never locking valid encoders out of a shared address.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmitEvent } from '../../../../../core/events/emit-event';
import { silentLogger } from '../../../../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../../../../core/ports/metrics';
import type { PublishDecision } from '../../../../../core/streams/publish-decision';
import { FailureRateLimiter } from '../../../../../core/streams/rate-limiter';
import { generateStreamKey } from '../../../../../core/streams/stream-key';
import { rateLimitedGate } from '../../../../../containers/ingest/src/hooks/on-publish';

const NAT = '203.0.113.7';
const LIMITS = { maxFailures: 10, windowMs: 60_000, blockMs: 60_000, probeIntervalMs: 2_000 };

function harness() {
  let now = Date.parse('2026-12-01T10:00:00Z');
  const valid = new Set([generateStreamKey(), generateStreamKey()]);
  const [known, fresh] = [...valid] as [string, string];
  const emitted: Array<{ type: string; data: Record<string, unknown> }> = [];
  const counts = new Map<string, number>();
  let lookups = 0;
  const metrics: Metrics = { ...noopMetrics, count: (name, n = 1) => void counts.set(name, (counts.get(name) ?? 0) + n) };
  const emit: EmitEvent = async (event) => {
    emitted.push({ type: event.type, data: event.data as Record<string, unknown> });
    return { ...event, id: 'evt_x', version: 1, time: new Date(now).toISOString(), sequence: emitted.length, sessionId: undefined } as never;
  };
  const gate = rateLimitedGate({
    limiter: new FailureRateLimiter({ now: () => new Date(now) }, LIMITS),
    emit,
    metrics,
    logger: silentLogger,
    authorize: async ({ streamKey }): Promise<PublishDecision> => {
      lookups++;
      return valid.has(streamKey)
        ? { allowed: true, streamId: 'st_aaaaaaaaaaaaaaaaaaaa', sessionId: 'ses_aaaaaaaaaaaaaaaaaaaa', reconnect: false, recording: true, reconnectWindowSeconds: 60 }
        : { allowed: false, reason: 'unknown_key', streamId: null };
    },
  });
  const attempt = (streamKey: string, remoteAddress = NAT) => gate({ app: 'live', streamKey, remoteAddress });
  const guess = () => attempt(generateStreamKey());
  return { attempt, guess, known, fresh, emitted, counts, lookups: () => lookups, advance: (ms: number) => (now += ms) };
}

describe('publish gate rate limiting', () => {
  it('turns a flood of 300 wrong keys into one rate_limited event and a bounded number of lookups', async () => {
    const h = harness();
    const decisions = [];
    for (let i = 0; i < 300; i++) decisions.push(await h.guess());
    const limited = decisions.filter((d) => !d.allowed && d.reason === 'rate_limited').length;
    assert.equal(limited, 290, 'every attempt after the tenth failure is refused as rate-limited');
    assert.deepEqual(h.emitted.map((e) => [e.type, e.data.reason, e.data.attempts]), [['stream.rejected', 'rate_limited', 1]]);
    assert.equal(h.counts.get('publish_rate_limited'), 290);
    assert.equal(h.lookups(), 10, 'blocked attempts never reach the registry within one probe interval');
  });

  it('keeps counting failures across an accepted publish from the same address', async () => {
    const h = harness();
    for (let i = 0; i < 9; i++) await h.guess();
    assert.equal((await h.attempt(h.known)).allowed, true);
    await h.guess();
    const next = await h.guess();
    assert.equal(!next.allowed && next.reason, 'rate_limited', 'the tenth wrong key blocks the address despite the valid one in between');
  });

  it('lets valid keys through a blocked shared address while guessing stays limited', async () => {
    const h = harness();
    assert.equal((await h.attempt(h.known)).allowed, true, 'an encoder behind the NAT was accepted before');
    for (let i = 0; i < 10; i++) await h.guess();
    assert.equal((await h.guess()).allowed, false);
    assert.equal((await h.attempt(h.known)).allowed, true, 'a recently accepted key is still checked while the address is blocked');
    h.advance(2_000);
    assert.equal((await h.attempt(h.fresh)).allowed, true, 'a valid key never seen before gets in at the next probe');
    const lookupsBefore = h.lookups();
    for (let i = 0; i < 50; i++) await h.guess();
    assert.equal(h.lookups() - lookupsBefore, 0, 'guesses in the same interval cost no lookup');
    h.advance(2_000);
    await h.guess();
    assert.equal(h.lookups() - lookupsBefore, 1, 'one guess per probe interval is checked');
  });

  it('reports the next block of the same address with the attempts refused since the last report', async () => {
    const h = harness();
    for (let i = 0; i < 10 + 5; i++) await h.guess();
    h.advance(60_001);
    for (let i = 0; i < 11; i++) await h.guess();
    assert.deepEqual(h.emitted.map((e) => e.data.attempts), [1, 5]);
  });

  it('does not block other addresses', async () => {
    const h = harness();
    for (let i = 0; i < 20; i++) await h.guess();
    assert.equal((await h.attempt(h.fresh, '198.51.100.1')).allowed, true);
  });
});
