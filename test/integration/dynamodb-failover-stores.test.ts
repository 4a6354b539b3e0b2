/**
 * Heartbeats and reconnect deadlines on a real DynamoDB API (dynalite) with the plane's table, held to
 * the same contracts as the in-memory fakes: stale and fresh tasks come from one index range each, an old
 * beat never replaces a newer one, removals are conditional on what the caller saw, and due deadlines
 * are listed in time order. Plus what only this adapter checks: task ids that could collide with other items.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDbIngestHeartbeats } from '../../adapters/dynamodb-ingest-heartbeats';
import { DynamoDbReconnectDeadlines } from '../../adapters/dynamodb-reconnect-deadlines';
import { heartbeatStoreContract, reconnectDeadlineStoreContract } from '../support/contracts/failover-stores.contract';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';

let dynamo: TestDynamo;
before(async () => {
  dynamo = await startTestDynamo();
});
after(async () => {
  await dynamo.stop();
});

heartbeatStoreContract('DynamoDbIngestHeartbeats', async () => new DynamoDbIngestHeartbeats({ tableName: await dynamo.newTable(), client: dynamo.client }));
reconnectDeadlineStoreContract('DynamoDbReconnectDeadlines', async () => new DynamoDbReconnectDeadlines({ tableName: await dynamo.newTable(), client: dynamo.client }));

describe('DynamoDbIngestHeartbeats', () => {
  it('refuses a task id that could collide with other items', async () => {
    const heartbeats = new DynamoDbIngestHeartbeats({ tableName: TEST_TABLE, client: dynamo.client });
    await assert.rejects(heartbeats.beat('a/b#c', [], new Date(Date.UTC(2025, 0, 1, 12, 0, 0))), /Not a task id/);
  });
});
