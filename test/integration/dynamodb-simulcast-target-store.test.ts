/** The simulcast target store on dynalite, held to the SimulcastTargetStore contract (the same suite the in-memory store runs). */
import { after, before, describe } from 'node:test';
import { DynamoDbSimulcastTargetStore } from '../../adapters/dynamodb-simulcast-target-store';
import { simulcastTargetStoreContract } from '../support/contracts/simulcast-target-store.contract';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';

describe('DynamoDB simulcast target store', () => {
  let dynamo: TestDynamo;
  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo.stop();
  });
  simulcastTargetStoreContract('DynamoDbSimulcastTargetStore', async () => new DynamoDbSimulcastTargetStore({ tableName: await dynamo.newTable(), client: dynamo.client }));
});
