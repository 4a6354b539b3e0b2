/**
 * A real dynalite for integration tests: data in a fresh temp dir, the plane's table created, and a
 * `stop` that closes the client, the server and removes the dir. `restart` reopens on the same dir;
 * `newTable` makes another empty table of the same shape, for tests that need a store of their own.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDynamoClient, startDynalite, type LocalDynamo } from '../../adapters/dynalite-server';
import { ensureTable } from '../../adapters/dynamodb-table';

export const TEST_TABLE = 'streamplane-test';

export interface TestDynamo {
  dataDir: string;
  server: LocalDynamo;
  client: DynamoDBClient;
  /** Closes the server and opens a new one on the same data dir (a plane restart). */
  restart(): Promise<void>;
  /** Creates a fresh, empty table with the plane's layout and returns its name. */
  newTable(): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestDynamo(): Promise<TestDynamo> {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamplane-dynamo-'));
  const open = async () => {
    const server = await startDynalite({ dataDir });
    const client = localDynamoClient(server.endpoint);
    await ensureTable(client, TEST_TABLE);
    return { server, client };
  };
  const close = async (state: { server: LocalDynamo; client: DynamoDBClient }) => {
    state.client.destroy();
    await state.server.close();
  };
  let state = await open();
  let tables = 0;
  const dynamo: TestDynamo = {
    dataDir,
    get server() {
      return state.server;
    },
    get client() {
      return state.client;
    },
    async restart() {
      await close(state);
      state = await open();
    },
    async newTable() {
      const tableName = `${TEST_TABLE}-${++tables}`;
      await ensureTable(state.client, tableName);
      return tableName;
    },
    async stop() {
      await close(state);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return dynamo;
}
