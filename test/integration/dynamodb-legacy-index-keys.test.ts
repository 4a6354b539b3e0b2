/**
 * Items written before the hot index keys were sharded (docs/scale.md, "Hot keys"): a table deployed
 * earlier holds streams under gsi1 `STREAMS`, events under gsi2 `EVENTS`, endpoints under gsi1 `WEBHOOKS`,
 * pending deliveries under gsi2 `WEBHOOK_PENDING` and deliveries in the endpoint's base partition
 * `WEBHOOK#<wh>`. After the deploy every store reads them through the sharded index (dynalite, real
 * adapters): listed exactly once, in order with the new items, across pages and cursors; found by id; and
 * moved to their shard the next time they are written, still listed once.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { GSI1_PARTITION_KEY, GSI2_PARTITION_KEY, itemKeys } from '../../adapters/dynamodb-table';
import { DynamoDbWebhookStore } from '../../adapters/dynamodb-webhook-store';
import { webhookKeys } from '../../adapters/dynamodb-webhook-items';
import type { StreamplaneEvent } from '../../core/events/catalog';
import { newId } from '../../core/ids';
import type { Stream } from '../../core/streams/stream';
import { generateStreamKey, hashStreamKey } from '../../core/streams/stream-key';
import { deliveryIdFor, generateWebhookSecret, type WebhookEndpoint } from '../../core/webhooks/webhooks';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';

const BASE = Date.UTC(2026, 5, 1);
const at = (n: number) => new Date(BASE + n * 1000).toISOString();

describe('items written under the pre-sharding index keys (dynalite)', () => {
  let dynamo: TestDynamo;
  let tableName: string;

  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo?.stop();
  });

  /** Rewrites one index key of a stored item to its pre-sharding value, as an old deploy wrote it. */
  const toLegacy = async (key: Record<string, string>, attribute: string, legacy: string) => {
    await dynamo.client.send(
      new UpdateItemCommand({ TableName: tableName, Key: marshall(key), UpdateExpression: 'SET #k = :v', ExpressionAttributeNames: { '#k': attribute }, ExpressionAttributeValues: marshall({ ':v': legacy }) }),
    );
  };
  const indexKey = async (key: Record<string, string>, attribute: string) =>
    (await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key), ConsistentRead: true }))).Item?.[attribute]?.S;

  it('lists legacy and sharded streams together, newest first, each once across pages; a rewrite moves one to its shard', async () => {
    tableName = await dynamo.newTable();
    const store = new DynamoDbStreamStore({ tableName, client: dynamo.client });
    const streams: Stream[] = [];
    for (let i = 0; i < 24; i++) {
      const stream: Stream = { id: newId('stream'), name: `s${i}`, status: 'idle', keyHash: hashStreamKey(generateStreamKey()), recording: false, reconnectWindowSeconds: 60, createdAt: at(i), updatedAt: at(i), version: 1 };
      await store.create(stream);
      streams.push(stream);
    }
    // Every third stream (including the newest and the oldest) sits where the pre-sharding plane put it.
    const legacy = streams.filter((_, i) => i % 3 === 0 || i === 23);
    for (const s of legacy) await toLegacy(itemKeys.stream(s.id), GSI1_PARTITION_KEY, 'STREAMS');
    assert.equal(await indexKey(itemKeys.stream(legacy[0]!.id), GSI1_PARTITION_KEY), 'STREAMS');

    const listAll = async (limit: number) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ limit, ...(cursor ? { cursor } : {}) });
        ids.push(...page.items.map((s) => s.id));
        cursor = page.next;
      } while (cursor);
      return ids;
    };
    const newestFirst = [...streams].reverse().map((s) => s.id);
    assert.deepEqual(await listAll(5), newestFirst, 'pages of 5: every stream once, in order');
    assert.deepEqual(await listAll(100), newestFirst);
    assert.equal((await store.get(legacy[1]!.id))?.name, legacy[1]!.name);

    const moved = legacy[1]!;
    await store.put({ ...moved, name: 'renamed', version: moved.version + 1, updatedAt: at(100) }, { expectedVersion: moved.version });
    assert.match((await indexKey(itemKeys.stream(moved.id), GSI1_PARTITION_KEY)) ?? '', /^STREAMS#\d\d$/, 'the rewrite put it on its shard');
    const after = await listAll(7);
    assert.deepEqual(after, newestFirst, 'still listed once, in its place');
  });

  it('queries legacy and sharded events together by time, and per stream', async () => {
    tableName = await dynamo.newTable();
    const log = new DynamoDbEventLog({ tableName, client: dynamo.client, clock: { now: () => new Date(BASE + 3600_000) } });
    const streamId = newId('stream');
    const events: StreamplaneEvent[] = [];
    for (let i = 0; i < 12; i++) {
      const event = { id: newId('event'), type: 'stream.live', version: 1, time: at(i), streamId, sequence: i + 1, data: {} } as unknown as StreamplaneEvent;
      await log.append(event);
      events.push(event);
    }
    for (const e of events.filter((_, i) => i % 2 === 0)) await toLegacy(itemKeys.event(e.id), GSI2_PARTITION_KEY, 'EVENTS');

    const all = await log.query({ limit: 100 });
    assert.deepEqual(all.map((e) => e.id), events.map((e) => e.id), 'every event once, oldest first');
    const newest = await log.query({ limit: 4 });
    assert.deepEqual(newest.map((e) => e.id), events.slice(-4).map((e) => e.id), 'the newest page mixes both layouts');
    const later = await log.query({ limit: 5, after: events[3]!.id });
    assert.deepEqual(later.map((e) => e.id), events.slice(4, 9).map((e) => e.id), 'a cursor from a legacy item continues across shards');
    assert.equal((await log.query({ limit: 100, streamId })).length, 12);
  });

  it('finds legacy webhook endpoints, deliveries in the endpoint partition, and legacy pending deliveries', async () => {
    tableName = await dynamo.newTable();
    const store = new DynamoDbWebhookStore({ tableName, client: dynamo.client });
    const endpoints: WebhookEndpoint[] = [];
    for (let i = 0; i < 5; i++) {
      const e: WebhookEndpoint = { id: newId('webhook'), url: `https://hooks${i}.example.com/in`, events: ['*'], enabled: true, secret: generateWebhookSecret(), createdAt: at(i), updatedAt: at(i), version: 1 };
      await store.createEndpoint(e);
      endpoints.push(e);
    }
    const old = endpoints[1]!;
    const endpointItem = webhookKeys.endpoint(old.id);
    await toLegacy(endpointItem, GSI1_PARTITION_KEY, 'WEBHOOKS');
    assert.equal(await indexKey(endpointItem, GSI1_PARTITION_KEY), 'WEBHOOKS');

    assert.deepEqual((await store.allEndpoints()).map((e) => e.id).sort(), endpoints.map((e) => e.id).sort());
    assert.equal(await store.countEndpoints(), 5);
    const firstPage = await store.listEndpoints({ limit: 2 });
    const rest = await store.listEndpoints({ limit: 10, cursor: firstPage.next as string });
    assert.deepEqual([...firstPage.items, ...rest.items].map((e) => e.id).sort(), endpoints.map((e) => e.id).sort(), 'paged: each once');

    // A delivery claimed before the deploy: its item sits in WEBHOOK#<wh>, its pending entry in WEBHOOK_PENDING.
    const eventId = newId('event');
    const deliveryId = deliveryIdFor(old.id, eventId);
    const claimedAt = BASE;
    assert.equal(await store.claimAttempt({ endpointId: old.id, deliveryId, eventId, eventType: 'stream.live', streamId: null, body: '{"id":"x"}', attempt: 1, token: 't-1', now: new Date(claimedAt), leaseUntil: new Date(claimedAt + 30_000) }), true);
    const sharded = webhookKeys.delivery(old.id, deliveryId);
    const item = (await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: marshall(sharded), ConsistentRead: true }))).Item as Record<string, AttributeValue>;
    const legacyKey = webhookKeys.legacyDelivery(old.id, deliveryId);
    await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...item, ...marshall(legacyKey), [GSI2_PARTITION_KEY]: { S: 'WEBHOOK_PENDING' } } }));
    await dynamo.client.send(new DeleteItemCommand({ TableName: tableName, Key: marshall(sharded) }));

    const found = await store.getDelivery(old.id, deliveryId);
    assert.equal(found?.id, deliveryId);
    assert.equal(found?.status, 'in_flight');
    const pending = await store.pendingDeliveries(10);
    assert.deepEqual(pending.map((d) => d.id), [deliveryId], 'the legacy pending entry is still due work');
  });
});
