/**
 * The webhook store on dynalite, held to the WebhookStore contract (the same suite the in-memory fake
 * runs): the claim protocol that makes deliveries idempotent (one sender per attempt, one recorded
 * success per event and endpoint, lapsed claims taken over), endpoint versioning and health, and the
 * listings with cursors that cannot be pointed elsewhere.
 */
import { after, before, describe } from 'node:test';
import { DynamoDbWebhookStore } from '../../adapters/dynamodb-webhook-store';
import { webhookStoreContract } from '../support/contracts/webhook-store.contract';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';

describe('DynamoDB webhook store', () => {
  let dynamo: TestDynamo;

  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo.stop();
  });

  webhookStoreContract('DynamoDbWebhookStore', async () => new DynamoDbWebhookStore({ tableName: await dynamo.newTable(), client: dynamo.client }));
});
