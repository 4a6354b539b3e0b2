/**
 * One test task's network to AWS, cuttable: an S3 client and a DynamoDB client whose every request fails
 * while the network is cut (an SDK middleware), an SQS client wrapper that does the same, and a log of the
 * object writes the task attempted (key and time, also those that failed), so a test can tell what a
 * partitioned task tried to write after it should have stopped. Test support only.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { localDynamoClient } from '../../adapters/dynalite-server';
import { s3rverClient } from './local-s3';

export class NetworkCut extends Error {
  constructor() {
    super('network cut (test)');
    this.name = 'NetworkCut';
  }
}

export interface AttemptedWrite {
  key: string;
  at: number;
}

export class CuttableNetwork {
  cut = false;
  readonly writes: AttemptedWrite[] = [];
  private readonly clients: Array<{ destroy(): void }> = [];

  s3(endpoint: string): S3Client {
    const client = s3rverClient(endpoint);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') this.writes.push({ key: String((args.input as { Key?: string }).Key), at: Date.now() });
        if (this.cut) throw new NetworkCut();
        return next(args);
      },
      { step: 'initialize', name: 'cuttableNetwork' },
    );
    this.clients.push(client);
    return client;
  }

  dynamo(endpoint: string): DynamoDBClient {
    const client = localDynamoClient(endpoint);
    client.middlewareStack.add(
      (next) => async (args) => {
        if (this.cut) throw new NetworkCut();
        return next(args);
      },
      { step: 'initialize', name: 'cuttableNetwork' },
    );
    this.clients.push(client);
    return client;
  }

  sqs(inner: SQSClient): SQSClient {
    return {
      send: (command: unknown, options?: unknown) => (this.cut ? Promise.reject(new NetworkCut()) : (inner.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options)),
    } as unknown as SQSClient;
  }

  /** Object writes attempted after `at` (ms since the epoch). */
  writesAfter(at: number): AttemptedWrite[] {
    return this.writes.filter((w) => w.at > at);
  }

  destroy(): void {
    for (const client of this.clients) client.destroy();
  }
}
