/**
 * The DynamoDB recording store on dynalite, held to the RecordingStore contract (the same suite the
 * in-memory fake runs): conditional writes are what keep concurrent finalizers honest, listings page with
 * cursors that cannot be pointed at another stream, and the state index says what still needs work and
 * what retention may look at.
 */
import { after, before, describe } from 'node:test';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { recordingStoreContract } from '../support/contracts/recording-store.contract';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';

describe('DynamoDbRecordingStore (dynalite)', () => {
  let dynamo: TestDynamo;

  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo.stop();
  });

  recordingStoreContract('DynamoDbRecordingStore', async () => new DynamoDbRecordingStore({ tableName: await dynamo.newTable(), client: dynamo.client }));
});
