/** The playback key store on dynalite, held to the PlaybackKeyStore contract (the same suite the in-memory fake runs). */
import { after, before, describe } from 'node:test';
import { DynamoDbPlaybackKeyStore } from '../../adapters/dynamodb-playback-key-store';
import { playbackKeyStoreContract } from '../support/contracts/playback-key-store.contract';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';

describe('DynamoDB playback key store', () => {
  let dynamo: TestDynamo;
  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo.stop();
  });
  playbackKeyStoreContract('DynamoDbPlaybackKeyStore', async () => new DynamoDbPlaybackKeyStore({ tableName: await dynamo.newTable(), client: dynamo.client }));
});
