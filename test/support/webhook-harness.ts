/**
 * Webhooks as the local plane runs them, without RTMP: dynalite (temp dir), the stream store, event log
 * and local bus, `wireLocalWebhooks` (local queue → dispatcher handler → HTTP sender) and an HTTP
 * server with the webhooks API and the event stream. Retry delays are compressed so a whole day of
 * backoff takes about a second. `close` stops everything and removes the temp dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { DynamoDbWebhookStore } from '../../adapters/dynamodb-webhook-store';
import { compressedScheduler } from '../../adapters/local-queue';
import { createConsoleLogger } from '../../adapters/console-logger';
import { silentLogger } from '../../core/ports/logger';
import { createPlaneHttpServer } from '../../local/http/plane-http-server';
import { startLocalRegistry, type LocalRegistry } from '../../local/local-registry';
import { wireLocalWebhooks, type LocalWebhooks, type LocalWebhooksOptions } from '../../local/webhooks-wiring';

export const TEST_API_TOKEN = 'test-token-0123456789abcdef-webhooks';
export const TABLE = 'streamplane';

export interface WebhookHarness {
  base: string;
  client: DynamoDBClient;
  streams: DynamoDbStreamStore;
  webhookStore: DynamoDbWebhookStore;
  eventLog: LocalRegistry['eventLog'];
  bus: LocalRegistry['bus'];
  emit: LocalRegistry['emit'];
  webhooks: LocalWebhooks;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

export type HarnessOptions = Partial<Omit<LocalWebhooksOptions, 'bus' | 'eventLog' | 'client' | 'tableName' | 'emit' | 'apiToken'>>;

export async function startWebhookHarness(options: HarnessOptions = {}): Promise<WebhookHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'sp-webhooks-'));
  const cleanups: Array<() => Promise<void> | void> = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  try {
    const logger = process.env.STREAMPLANE_TEST_LOGS ? createConsoleLogger({ level: 'debug' }) : silentLogger;
    const registry = await startLocalRegistry({ dataDir: join(dir, 'db'), logger, tableName: TABLE });
    cleanups.push(() => registry.close());
    const { client, store: streams, eventLog, bus, emit } = registry;
    const webhooks = wireLocalWebhooks({
      bus,
      eventLog,
      client,
      tableName: TABLE,
      emit,
      apiToken: () => TEST_API_TOKEN,
      logger,
      delayScheduler: compressedScheduler(200_000),
      ...options,
    });
    cleanups.push(() => webhooks.close());
    const server: Server = createPlaneHttpServer({ logger, routes: [webhooks.eventStreamRoute, webhooks.apiRoute] });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      base,
      client,
      streams,
      webhookStore: new DynamoDbWebhookStore({ tableName: TABLE, client }),
      eventLog,
      bus,
      emit,
      webhooks,
      async api(method, path, body, headers = {}) {
        const response = await fetch(base + path, {
          method,
          headers: { authorization: `Bearer ${TEST_API_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
          ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never, headers: response.headers };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
