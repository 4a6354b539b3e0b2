/**
 * An embedded DynamoDB (dynalite) for the local plane and integration tests: data on disk under
 * `dataDir` so streams survive a restart, listening on loopback only. It must never listen on a
 * public interface: it has no authentication at all.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** Stops accepting connections, waits for in-flight writes, closes LevelDB. Idempotent. */
  close(): Promise<void>;
}

export async function startDynalite(options: { dataDir: string; port?: number }): Promise<LocalDynamo> {
  await mkdir(options.dataDir, { recursive: true });
  // Table state changes are instant: the local plane and tests must never wait on CREATING.
  const server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err?: Error) => (err ? reject(err) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold close() open until they time out.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** A DynamoDB client for a local endpoint: fixed region, dummy credentials (dynalite checks neither). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}
