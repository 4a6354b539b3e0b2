/**
 * The publish-auth hook against a real dynalite: only the current key of an enabled stream gets in;
 * every refusal names its reason and emits `stream.rejected` (without the key); a stream takes one
 * publisher at a time; the answer never carries the stream record.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { eventEmitter } from '../../core/events/emit-event';
import type { StreamplaneEvent } from '../../core/events/catalog';
import type { Clock } from '../../core/ports/clock';
import { publisherGone, type SessionDeps } from '../../core/streams/publish-session';
import { createStream, deleteStream, disableStream, resetStreamKey, type RegistryDeps } from '../../core/streams/stream-registry';
import { createPublishAuthHandler } from '../../lambdas/publish-auth/handler';
import type { PublishDecision } from '../../core/streams/publish-decision';
import { eventLogPublisher } from '../../lambdas/shared/event-publisher';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';

const ADDRESS = '192.0.2.10';
const context = {} as Context;

describe('publish-auth hook (dynalite)', () => {
  let dynamo: TestDynamo;
  let eventLog: DynamoDbEventLog;
  let deps: SessionDeps & RegistryDeps;
  let authorize: (event: unknown) => Promise<PublishDecision>;

  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo?.stop();
  });
  // Each reading moves time on by 1 ms (across tests too), so "the most recent event" is well defined.
  let time = Date.parse('2025-01-01T00:00:00.000Z');
  const clock: Clock = { now: () => new Date((time += 1)) };

  beforeEach(() => {
    const store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    eventLog = new DynamoDbEventLog({ tableName: TEST_TABLE, client: dynamo.client, clock });
    deps = { store, clock, emit: eventEmitter({ store, publisher: eventLogPublisher(eventLog), clock }) };
    const handler = createPublishAuthHandler(deps);
    authorize = (event) => handler(event, context);
  });

  async function newStream(name = 'Publish test') {
    return createStream(deps, { name, reconnectWindowSeconds: 30, recording: false });
  }

  /** The latest stream.rejected event, checked to carry no key. */
  async function lastRejection(...keys: string[]): Promise<StreamplaneEvent> {
    const events = await eventLog.query({ types: ['stream.rejected'], limit: 1 });
    const event = events[0];
    assert.ok(event, 'a stream.rejected event was emitted');
    for (const key of keys) assert.equal(JSON.stringify(event).includes(key), false, 'the event carries no key');
    return event;
  }

  async function assertRefused(input: unknown, reason: string, streamId: string | null, ...keys: string[]): Promise<void> {
    const before = (await eventLog.query({ types: ['stream.rejected'], limit: 1000 })).length;
    const result = await authorize(input);
    assert.deepEqual(result, { allowed: false, reason, streamId });
    const after = (await eventLog.query({ types: ['stream.rejected'], limit: 1000 })).length;
    assert.equal(after, before + 1, 'exactly one stream.rejected event');
    const event = await lastRejection(...keys);
    assert.equal(event.streamId, streamId);
    assert.equal((event.data as { reason: string }).reason, reason);
  }

  it('accepts the right key: the stream is connected and the answer holds only what the ingest needs', async () => {
    const { stream, streamKey } = await newStream();
    const result = await authorize({ app: 'live', streamKey, remoteAddress: ADDRESS });

    assert.equal(result.allowed, true);
    if (!result.allowed) return;
    assert.deepEqual(Object.keys(result).sort(), ['allowed', 'reconnect', 'reconnectWindowSeconds', 'recording', 'sessionId', 'streamId']);
    assert.equal(result.streamId, stream.id);
    assert.match(result.sessionId, /^ses_[a-z2-7]{20}$/);
    assert.equal(result.reconnect, false);
    assert.equal(result.recording, false);
    assert.equal(result.reconnectWindowSeconds, 30);

    const stored = await deps.store.get(stream.id);
    assert.equal(stored?.status, 'connected');
    assert.equal(stored?.sessionId, result.sessionId);
    const connected = (await eventLog.query({ streamId: stream.id, types: ['stream.connected'], limit: 1 }))[0];
    assert.deepEqual(connected?.data, { reconnect: false, role: 'primary', remoteAddress: ADDRESS });
    assert.equal(JSON.stringify(connected).includes(streamKey), false);
  });

  it('refuses a well-formed key that matches no stream', async () => {
    const wrong = 'sk_' + 'A'.repeat(43);
    await assertRefused({ app: 'live', streamKey: wrong, remoteAddress: ADDRESS }, 'unknown_key', null, wrong);
    assert.deepEqual((await lastRejection()).data, { reason: 'unknown_key', remoteAddress: ADDRESS });
  });

  const malformed: Array<[string, unknown]> = [
    ['a key of the wrong shape', { app: 'live', streamKey: 'not-a-key', remoteAddress: ADDRESS }],
    ['an empty key', { app: 'live', streamKey: '', remoteAddress: ADDRESS }],
    ['a 10 000 character key', { app: 'live', streamKey: 'sk_' + 'a'.repeat(10_000), remoteAddress: ADDRESS }],
    ['a key that is not a string', { app: 'live', streamKey: 42, remoteAddress: ADDRESS }],
    ['a missing key', { app: 'live', remoteAddress: ADDRESS }],
    ['no object at all', null],
    ['a string', 'sk_whatever'],
  ];
  for (const [what, input] of malformed) {
    it(`refuses ${what} as malformed_key`, async () => {
      await assertRefused(input, 'malformed_key', null);
    });
  }

  it('refuses the wrong RTMP app', async () => {
    const { streamKey } = await newStream();
    await assertRefused({ app: 'admin', streamKey, remoteAddress: ADDRESS }, 'wrong_app', null, streamKey);
  });

  it('refuses a disabled stream', async () => {
    const { stream, streamKey } = await newStream();
    await disableStream(deps, stream.id);
    await assertRefused({ app: 'live', streamKey, remoteAddress: ADDRESS }, 'disabled', stream.id, streamKey);
    assert.equal((await deps.store.get(stream.id))?.status, 'disabled');
  });

  it('refuses a deleted stream\'s key', async () => {
    const { stream, streamKey } = await newStream();
    await deleteStream(deps, stream.id);
    await assertRefused({ app: 'live', streamKey, remoteAddress: ADDRESS }, 'unknown_key', null, streamKey);
  });

  it('refuses the old key right after a reset, and accepts the new one', async () => {
    const { stream, streamKey: oldKey } = await newStream();
    const { streamKey: newKey } = await resetStreamKey(deps, stream.id);
    await assertRefused({ app: 'live', streamKey: oldKey, remoteAddress: ADDRESS }, 'unknown_key', null, oldKey, newKey);
    const accepted = await authorize({ app: 'live', streamKey: newKey, remoteAddress: ADDRESS });
    assert.equal(accepted.allowed, true);
  });

  it('lets only one of two concurrent publishers in; the other is already_publishing', async () => {
    const { stream, streamKey } = await newStream();
    const results = await Promise.all([
      authorize({ app: 'live', streamKey, remoteAddress: ADDRESS }),
      authorize({ app: 'live', streamKey, remoteAddress: '192.0.2.11' }),
    ]);
    assert.equal(results.filter((r) => r.allowed).length, 1);
    const refused = results.find((r) => !r.allowed);
    assert.deepEqual(refused, { allowed: false, reason: 'already_publishing', streamId: stream.id });
    assert.equal((await lastRejection(streamKey)).streamId, stream.id);

    // and a third, later publisher too, while the first is still on
    await assertRefused({ app: 'live', streamKey, remoteAddress: ADDRESS }, 'already_publishing', stream.id, streamKey);
  });

  it('continues the session when the publisher comes back inside the reconnect window', async () => {
    const { stream, streamKey } = await newStream();
    const first = await authorize({ app: 'live', streamKey, remoteAddress: ADDRESS });
    assert.ok(first.allowed);
    await publisherGone(deps, stream.id, first.sessionId, 'socket closed');
    const again = await authorize({ app: 'live', streamKey, remoteAddress: ADDRESS });
    assert.ok(again.allowed);
    assert.equal(again.sessionId, first.sessionId);
    assert.equal(again.reconnect, true);
  });

  it('fails (rather than allowing) when the store is unreachable', async () => {
    const { streamKey } = await newStream();
    const broken = createPublishAuthHandler({
      ...deps,
      store: { ...deps.store, getByKeyHash: async () => Promise.reject(new Error('connection refused')) } as unknown as SessionDeps['store'],
    });
    await assert.rejects(broken({ app: 'live', streamKey, remoteAddress: ADDRESS }, context), /connection refused/);
  });
});
