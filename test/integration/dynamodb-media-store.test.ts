/** The DynamoDB media store on dynalite, held to the MediaStore contract (the same suite the in-memory fake runs). */
import { after, before, describe } from 'node:test';
import { DynamoDbMediaStore } from '../../adapters/dynamodb-media-store';
import { mediaStoreContract } from '../support/contracts/media-store.contract';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';

describe('DynamoDbMediaStore (dynalite)', () => {
  let dynamo: TestDynamo;
  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo.stop();
  });
  mediaStoreContract('DynamoDbMediaStore', async () => new DynamoDbMediaStore({ tableName: await dynamo.newTable(), client: dynamo.client }));
});
