/**
 * The local plane's state and event backbone: embedded DynamoDB (dynalite, data on disk), the plane's
 * table, the stream registry and event log on it, and the in-process bus with the one `emit` everything
 * uses. Shared by the local plane, its test harnesses and benchmarks, so they all run the same stack.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoClient, startDynalite } from '../adapters/dynalite-server';
import { DynamoDbEventLog } from '../adapters/dynamodb-event-log';
import { DynamoDbStreamStore } from '../adapters/dynamodb-stream-store';
import { ensureTable } from '../adapters/dynamodb-table';
import { LocalEventBus } from '../adapters/local-event-bus';
import { eventEmitter, type EmitEvent } from '../core/events/emit-event';
import { systemClock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';

export const TABLE_NAME = 'streamplane';
const CLOSE_DRAIN_MS = 5_000;

export interface LocalRegistry {
  client: DynamoDBClient;
  tableName: string;
  store: DynamoDbStreamStore;
  eventLog: DynamoDbEventLog;
  bus: LocalEventBus;
  emit: EmitEvent;
  /** Waits (briefly) for requests in flight, closes the client, then the embedded DynamoDB. */
  close(): Promise<void>;
}

export async function startLocalRegistry(options: { dataDir: string; logger: Logger; tableName?: string }): Promise<LocalRegistry> {
  const tableName = options.tableName ?? TABLE_NAME;
  const dynamo = await startDynalite({ dataDir: options.dataDir });
  const client = localDynamoClient(dynamo.endpoint);
  const inFlight = trackInFlight(client);
  const close = async () => {
    // A request still running when LevelDB closes fails inside dynalite, out of any caller's reach.
    await inFlight.drained(CLOSE_DRAIN_MS);
    client.destroy();
    await dynamo.close();
  };
  try {
    await ensureTable(client, tableName);
  } catch (err) {
    await close();
    throw err;
  }
  const store = new DynamoDbStreamStore({ tableName, client });
  const eventLog = new DynamoDbEventLog({ tableName, client });
  const bus = new LocalEventBus(eventLog, options.logger);
  const emit = eventEmitter({ store, publisher: bus, clock: systemClock });
  return { client, tableName, store, eventLog, bus, emit, close };
}

/** Counts the client's requests in flight, so closing can wait for the last late writer (a session end). */
function trackInFlight(client: DynamoDBClient): { drained(timeoutMs: number): Promise<void> } {
  let count = 0;
  const waiters: Array<() => void> = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      count++;
      try {
        return await next(args);
      } finally {
        count--;
        if (count === 0) for (const wake of waiters.splice(0)) wake();
      }
    },
    { step: 'initialize', name: 'streamplaneInFlight' },
  );
  return {
    drained: (timeoutMs) =>
      count === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            waiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
  };
}
