/** Cold-start wiring of the simulcast cleanup consumer: the targets in DynamoDB (no KMS: deleting needs no key). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbSimulcastTargetStore } from '../../adapters/dynamodb-simulcast-target-store';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { loadSimulcastCleanupConfig } from './config';
import { createSimulcastCleanupHandler, type SimulcastCleanupHandler } from './handler';

export function buildSimulcastCleanupHandler(env?: Env): SimulcastCleanupHandler {
  const config = loadSimulcastCleanupConfig(env);
  const targets = new DynamoDbSimulcastTargetStore({ tableName: config.tableName, client: new DynamoDBClient({}) });
  return createSimulcastCleanupHandler({ targets, logger: powertoolsLogger('simulcast-cleanup') });
}
