/**
 * The output lease on a real DynamoDB API (dynalite) with the plane's table, held to the same contract as
 * the in-memory store: above all, of simultaneous claimants exactly one wins (conditional writes).
 */
import { after, before } from 'node:test';
import { DynamoDbOutputLeaseStore } from '../../adapters/dynamodb-output-lease';
import { outputLeaseStoreContract } from '../support/contracts/output-lease.contract';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';

let dynamo: TestDynamo;
before(async () => {
  dynamo = await startTestDynamo();
});
after(async () => {
  await dynamo.stop();
});

outputLeaseStoreContract('DynamoDbOutputLeaseStore', async () => new DynamoDbOutputLeaseStore({ tableName: await dynamo.newTable(), client: dynamo.client }));
