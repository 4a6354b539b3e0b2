/**
 * The control plane a cloud ingest task under test talks to: the real stream store on dynalite, events
 * published through EventBridge's client (the caller mocks it), and the real publish-auth handler behind
 * the caller's mocked Lambda client — Lambda is the one service with no local stand-in, so the mock hands
 * each invocation's payload to the handler the function runs.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { EventBridgeEventPublisher } from '../../adapters/eventbridge-event-publisher';
import { eventEmitter } from '../../core/events/emit-event';
import { systemClock } from '../../core/ports/clock';
import { createPublishAuthHandler } from '../../lambdas/publish-auth/handler';

export function cloudRegistry(options: { dynamo: DynamoDBClient; tableName: string; lambda: AwsClientStub<LambdaClient> }) {
  const store = new DynamoDbStreamStore({ tableName: options.tableName, client: options.dynamo });
  const publisher = new EventBridgeEventPublisher({ eventBusName: 'streamplane-test', client: new EventBridgeClient({ region: 'us-east-1' }) });
  const emit = eventEmitter({ store, publisher, clock: systemClock });
  const auth = createPublishAuthHandler({ store, emit, clock: systemClock });
  options.lambda.on(InvokeCommand).callsFake(async (input: { Payload?: Uint8Array }) => {
    const request = JSON.parse(Buffer.from(input.Payload ?? new Uint8Array()).toString('utf8')) as Parameters<typeof auth>[0];
    return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(await auth(request, {} as Context))) };
  });
  return { store, publisher, emit };
}
