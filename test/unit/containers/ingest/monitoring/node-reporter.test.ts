/**
 * The node's self-check (the container health check ECS acts on): a blocked event loop fails it, a free
 * one passes; the report carries the streams and the worst transcoder speed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { NodeReporter, type CarriedPipeline } from '../../../../../containers/ingest/src/monitoring/node-reporter';
import { silentLogger } from '../../../../../core/ports/logger';
import { noopMetrics } from '../../../../../core/ports/metrics';

function reporter(pipelines: CarriedPipeline[] = []): NodeReporter {
  return new NodeReporter({ nodeId: 'node-test', pipelines: () => pipelines, logger: silentLogger, metrics: noopMetrics, intervalMs: 60_000, maxEventLoopLagMs: 300 });
}

function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy: the event loop cannot run its timers.
  }
}

describe('NodeReporter self-check', () => {
  it('fails with event_loop_lag after the loop was blocked well past the limit, and passes again once it runs freely', async () => {
    const node = reporter();
    node.start();
    try {
      await delay(600);
      blockFor(1_500);
      await delay(600);
      const blocked = await node.report();
      assert.equal(blocked.selfCheck.ok, false);
      assert.deepEqual(blocked.selfCheck.problems, ['event_loop_lag']);
      assert.ok(blocked.selfCheck.eventLoopLagMs >= 900, `lag ${blocked.selfCheck.eventLoopLagMs} ms`);
      await delay(1_200);
      const free = await node.report();
      assert.equal(free.selfCheck.ok, true, JSON.stringify(free.selfCheck));
    } finally {
      node.stop();
    }
  });

  it('reports the carried streams, sorted, and the worst transcoder speed', async () => {
    const node = reporter([
      { streamId: 'st_b', transcoderSpeed: 1.2, outputStalledMs: undefined },
      { streamId: 'st_a', transcoderSpeed: 0.9, outputStalledMs: undefined },
    ]);
    const report = await node.report();
    assert.deepEqual(report.streamIds, ['st_a', 'st_b']);
    assert.equal(report.worstTranscoderSpeed, 0.9);
    assert.equal(report.selfCheck.ok, true);
  });
});
