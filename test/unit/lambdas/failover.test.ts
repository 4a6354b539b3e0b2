/**
 * The failover function's edge: ECS task-stopped events arriving through SQS recover that task's streams
 * and only failed records are reported back; the schedule sweeps stale heartbeats and due deadlines;
 * anything that is not one of these events is refused; what happened is counted as metrics.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { authorizePublish, markLive } from '../../../core/streams/publish-session';
import { createStream } from '../../../core/streams/stream-registry';
import { createFailoverHandler, type SweepResult } from '../../../lambdas/failover/handler';
import { parseFailoverConfig } from '../../../lambdas/failover/config';
import { MemoryDeadlines, MemoryHeartbeats } from '../../support/memory-failover-stores';
import { MemoryStreamStore } from '../../support/memory-stream-store';
import { ManualClock, recordingEmitter } from '../../support/recorded-events';

// EMF goes nowhere in tests; what was counted is read from addMetric.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/Streamplane-Cluster';
const context = { functionName: 'failover', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function taskStopped(taskId: string, lastStatus = 'STOPPED') {
  return {
    version: '0',
    id: 'e-1',
    source: 'aws.ecs',
    'detail-type': 'ECS Task State Change',
    account: '123456789012',
    time: '2025-01-01T00:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/Streamplane-Cluster/${taskId}`,
      clusterArn: CLUSTER,
      lastStatus,
      desiredStatus: 'STOPPED',
      group: 'service:Streamplane-Ingest',
      stoppedReason: 'Task failed ELB health checks',
    },
  };
}
const sqs = (...bodies: Array<{ id: string; body: unknown }>) => ({
  Records: bodies.map(({ id, body }) => ({ messageId: id, body: typeof body === 'string' ? body : JSON.stringify(body), eventSource: 'aws:sqs' })),
});
const schedule = { version: '0', id: 's-1', source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2025-01-01T00:01:00Z', detail: {} };

let clock: ManualClock;
let store: MemoryStreamStore;
let heartbeats: MemoryHeartbeats;
let counted: Array<[string, number]>;
let handler: ReturnType<typeof createFailoverHandler>;
let deps: Parameters<typeof createFailoverHandler>[0]['failover'];

beforeEach(() => {
  clock = new ManualClock();
  store = new MemoryStreamStore();
  heartbeats = new MemoryHeartbeats();
  const { emit } = recordingEmitter(store, clock);
  deps = { store, emit, clock, heartbeats, deadlines: new MemoryDeadlines() };
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'failover' });
  counted = [];
  const addMetric = metrics.addMetric.bind(metrics);
  metrics.addMetric = (name, unit, value) => {
    counted.push([name, value]);
    return addMetric(name, unit, value);
  };
  handler = createFailoverHandler({ failover: deps, settings: { staleAfterMs: 60_000 }, logger: new Logger({ logLevel: 'SILENT' }), metrics });
});

async function liveOn(taskId: string): Promise<string> {
  const { stream, streamKey } = await createStream(deps, { name: 'cam' });
  const decision = await authorizePublish(deps, { app: 'live', streamKey });
  assert.ok(decision.allowed);
  await markLive(deps, stream.id, decision.sessionId, { topRung: 'none', reason: 'test', renditions: [] }, 'https://cdn/x');
  await heartbeats.beat(taskId, [stream.id], clock.now());
  return stream.id;
}

describe('failover handler', () => {
  it('recovers the streams of a stopped ingest task and acknowledges the record', async () => {
    const streamId = await liveOn('0123abcd');
    const result = (await handler(sqs({ id: 'm1', body: taskStopped('0123abcd') }), context)) as SQSBatchResponse;
    assert.deepEqual(result, { batchItemFailures: [] });
    assert.equal((await store.get(streamId))?.status, 'interrupted');
    assert.deepEqual(counted, [
      ['failover_task_events', 1],
      ['ingest_tasks_lost', 1],
      ['failover_streams_interrupted', 1],
    ]);
  });

  it('ignores task state changes other than STOPPED', async () => {
    const streamId = await liveOn('0123abcd');
    assert.deepEqual(await handler(sqs({ id: 'm1', body: taskStopped('0123abcd', 'DEPROVISIONING') }), context), { batchItemFailures: [] });
    assert.equal((await store.get(streamId))?.status, 'live');
  });

  it('reports only the records it could not handle', async () => {
    await liveOn('0123abcd');
    const result = await handler(
      sqs({ id: 'good', body: taskStopped('0123abcd') }, { id: 'garbage', body: 'not json' }, { id: 'wrong', body: { source: 'aws.ec2', 'detail-type': 'x', detail: {} } }),
      context,
    );
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: 'garbage' }, { itemIdentifier: 'wrong' }] });
  });

  it('reports a record whose recovery was incomplete, so it is retried', async () => {
    const streamId = await liveOn('0123abcd');
    const get = store.get.bind(store);
    store.get = async (id) => {
      if (id === streamId) throw new Error('throttled');
      return get(id);
    };
    assert.deepEqual(await handler(sqs({ id: 'm1', body: taskStopped('0123abcd') }), context), { batchItemFailures: [{ itemIdentifier: 'm1' }] });
    assert.ok(await heartbeats.get('0123abcd'));
  });

  it('sweeps stale heartbeats and due deadlines on the schedule', async () => {
    const streamId = await liveOn('0123abcd');
    clock.advance(61_000);
    assert.deepEqual((await handler(schedule, context)) as SweepResult, { lostTasks: 1, expired: 0, failures: 0 });
    clock.advance(60_000);
    assert.deepEqual((await handler(schedule, context)) as SweepResult, { lostTasks: 0, expired: 1, failures: 0 });
    assert.equal((await store.get(streamId))?.status, 'ended');
    assert.ok(counted.some(([name, value]) => name === 'failover_sessions_ended' && value === 1));
  });

  it('refuses an event that is neither a queue batch nor the schedule', async () => {
    await assert.rejects(handler({ hello: 'world' }, context));
    await assert.rejects(handler(taskStopped('x'), context));
  });
});

describe('failover configuration', () => {
  it('reads the table, the bus and the staleness threshold, naming a bad variable', () => {
    assert.deepEqual(parseFailoverConfig({ TABLE_NAME: 'tbl', EVENT_BUS_NAME: 'bus', HEARTBEAT_STALE_SECONDS: '45' }), { tableName: 'tbl', eventBusName: 'bus', staleAfterMs: 45_000 });
    assert.equal(parseFailoverConfig({ TABLE_NAME: 'tbl', EVENT_BUS_NAME: 'bus' }).staleAfterMs, 60_000);
    assert.throws(() => parseFailoverConfig({ EVENT_BUS_NAME: 'bus' }), /TABLE_NAME is required/);
    assert.throws(() => parseFailoverConfig({ TABLE_NAME: 'tbl', EVENT_BUS_NAME: 'bus', HEARTBEAT_STALE_SECONDS: '5' }), /HEARTBEAT_STALE_SECONDS/);
  });
});
