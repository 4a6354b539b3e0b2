/**
 * The stream-health, session and node stores on a real DynamoDB API (dynalite) with the plane's table,
 * held to the same contracts as the in-memory fakes (test/support/contracts/monitoring-stores.contract.ts).
 * Plus what only these adapters decide: the items' keys and TTLs (health and nodes expire a day after
 * their last write, sessions are kept), and the index entries the API's queries (and IAM grants) rely on.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDbHealthStore, healthKeys } from '../../adapters/dynamodb-health-store';
import { DynamoDbNodeStore, nodeKeys } from '../../adapters/dynamodb-node-store';
import { DynamoDbSessionStore, sessionKeys } from '../../adapters/dynamodb-session-store';
import { newId } from '../../core/ids';
import { healthStoreContract, nodeStoreContract, sessionStoreContract } from '../support/contracts/monitoring-stores.contract';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';
import { ManualClock } from '../support/recorded-events';

let dynamo: TestDynamo;
before(async () => {
  dynamo = await startTestDynamo();
});
after(async () => {
  await dynamo.stop();
});

healthStoreContract('DynamoDbHealthStore', async (clock) => new DynamoDbHealthStore({ tableName: await dynamo.newTable(), client: dynamo.client, clock }));
sessionStoreContract('DynamoDbSessionStore', async () => new DynamoDbSessionStore({ tableName: await dynamo.newTable(), client: dynamo.client }));
nodeStoreContract('DynamoDbNodeStore', async (clock) => new DynamoDbNodeStore({ tableName: await dynamo.newTable(), client: dynamo.client, clock }));

describe('DynamoDB monitoring items', () => {
  const raw = async (tableName: string, key: Record<string, string>) => {
    const out = await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key) }));
    return out.Item ? unmarshall(out.Item) : undefined;
  };

  it('writes health and node reports with a TTL a day after their time, under their grant-named keys', async () => {
    const tableName = await dynamo.newTable();
    const clock = new ManualClock('2026-01-01T12:00:05.000Z');
    const health = new DynamoDbHealthStore({ tableName, client: dynamo.client, clock });
    const nodes = new DynamoDbNodeStore({ tableName, client: dynamo.client, clock });
    const streamId = newId('stream');
    await health.put({
      streamId,
      sessionId: newId('session'),
      nodeId: 'node-a',
      status: 'excellent',
      reasons: [],
      ingest: { videoKbps: 1, audioKbps: 1, fps: 30, keyframeIntervalSeconds: 2, width: 320, height: 240, videoCodec: 'h264', audioCodec: 'aac' },
      transcoder: { speed: 1 },
      updatedAt: '2026-01-01T12:00:00.500Z',
    });
    await nodes.put({
      id: 'node-a',
      streamIds: [streamId],
      cpuPercent: 1,
      memoryBytes: 1,
      memoryTotalBytes: 2,
      networkInBytesPerSecond: 0,
      networkOutBytesPerSecond: 0,
      worstTranscoderSpeed: null,
      selfCheck: { ok: true, eventLoopLagMs: 1, problems: [] },
      startedAt: '2026-01-01T11:00:00.000Z',
      lastSeenAt: '2026-01-01T12:00:00.000Z',
    });
    const epoch = Date.parse('2026-01-01T12:00:00.000Z') / 1000;
    const h = await raw(tableName, healthKeys.item(streamId));
    assert.equal(h?.pk, `HEALTH#${streamId}`);
    assert.equal(h?.expiresAt, epoch + 86_400);
    const n = await raw(tableName, nodeKeys.item('node-a'));
    assert.deepEqual([n?.pk, n?.gsi1pk, n?.gsi1sk, n?.expiresAt], ['NODE#node-a', nodeKeys.index('node-a').gsi1pk, 'node-a', epoch + 86_400]);
    assert.match(n?.gsi1pk ?? '', /^NODES#\d{2}$/, 'node reports are listed through a NODES shard');
  });

  it('keeps session records and statistics without a TTL, the record indexed under its stream by start time', async () => {
    const tableName = await dynamo.newTable();
    const sessions = new DynamoDbSessionStore({ tableName, client: dynamo.client });
    const streamId = newId('stream');
    const id = newId('session');
    await sessions.put({ id, streamId, startedAt: '2026-01-01T12:00:00.000Z', reconnects: 0, interruptions: 0, transcoderRestarts: 0, appliedEventIds: ['evt_1'], version: 0 }, undefined);
    await sessions.putStats({
      sessionId: id,
      streamId,
      nodeId: 'node-a',
      takeovers: 0,
      mediaSeconds: 0,
      videoBytes: 0,
      audioBytes: 0,
      peakVideoKbps: 0,
      width: null,
      height: null,
      fps: null,
      videoCodec: null,
      audioCodec: null,
      keyframeIntervalSeconds: null,
      starvedSeconds: 0,
      updatedAt: '2026-01-01T12:00:01.000Z',
    });
    const rec = await raw(tableName, sessionKeys.record(id));
    assert.deepEqual([rec?.pk, rec?.sk, rec?.gsi1pk, rec?.gsi1sk, rec?.expiresAt], [`SESSION#${id}`, 'SESSION', `SESSIONS#${streamId}`, `2026-01-01T12:00:00.000Z#${id}`, undefined]);
    const st = await raw(tableName, sessionKeys.stats(id));
    assert.deepEqual([st?.pk, st?.sk, st?.gsi1pk, st?.expiresAt], [`SESSION#${id}`, 'STATS', undefined, undefined]);
  });
});
