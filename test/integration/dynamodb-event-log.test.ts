/**
 * The DynamoDB event log against a real dynalite, held to the EventLog contract (the same suite the
 * in-memory fake runs): per-stream order by sequence, all streams by time, `after` as an exclusive
 * position, type filters across pages, idempotent appends, and expiry before TTL deletes anything.
 */
import { afterEach, describe } from 'node:test';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { eventLogContract } from '../support/contracts/event-log.contract';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';

describe('DynamoDbEventLog (dynalite)', () => {
  let dynamo: TestDynamo | undefined;

  // A fresh dynalite per test keeps the global (all streams) view predictable.
  afterEach(async () => {
    await dynamo?.stop();
    dynamo = undefined;
  });

  eventLogContract('DynamoDbEventLog', async (clock) => {
    dynamo = await startTestDynamo();
    return new DynamoDbEventLog({ tableName: TEST_TABLE, client: dynamo.client, clock });
  });
});
