/**
 * What every StreamHealthStore, SessionStore and NodeStore must do (core/ports/monitoring-stores.ts), run
 * against the in-memory fakes (test/unit/support/memory-stores.test.ts) and the DynamoDB adapters on
 * dynalite (test/integration/dynamodb-monitoring-stores.test.ts). Each factory returns an empty, isolated
 * store reading time from `clock` where the store expires what it holds. What the control API and the
 * ingest rely on: whole-report round trips, the session record projected once per event id whatever
 * the order or redelivery, statistics written separately and merged into the view, a stream's sessions
 * newest first with cursors that cannot be forged or carried to another stream, and node reports kept
 * a day after they were last seen, their status judged from that time when read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, ValidationError } from '../../../core/errors';
import type { EventType, StreamplaneEvent } from '../../../core/events/catalog';
import type { StreamHealthReport } from '../../../core/health/stream-health';
import { newId } from '../../../core/ids';
import { listNodeViews, type NodeReport } from '../../../core/nodes/nodes';
import type { NodeStore, SessionStore, StreamHealthStore } from '../../../core/ports/monitoring-stores';
import { getSession, listStreamSessions, projectSessionEvent, type SessionRecord, type SessionStats } from '../../../core/sessions/session';
import { ManualClock } from '../recorded-events';

const DAY_MS = 24 * 3600 * 1000;

function healthReport(streamId: string, updatedAt: string, overrides: Partial<StreamHealthReport> = {}): StreamHealthReport {
  return {
    streamId,
    sessionId: newId('session'),
    nodeId: 'node-a',
    status: 'excellent',
    reasons: [],
    ingest: { videoKbps: 2500, audioKbps: 128, videoKbps10s: null, fps: 30, keyframeIntervalSeconds: 2, width: 1280, height: 720, videoCodec: 'h264', audioCodec: 'aac', timestampGaps: 0, avDriftMs: null },
    transcoder: { speed: 1.02 },
    updatedAt,
    ...overrides,
  };
}

export function healthStoreContract(name: string, makeStore: (clock: ManualClock) => Promise<StreamHealthStore>): void {
  describe(`StreamHealthStore contract: ${name}`, () => {
    it('returns the report whole, nulls kept, and replaces it on every put', async () => {
      const clock = new ManualClock('2026-01-01T12:00:10.000Z');
      const store = await makeStore(clock);
      const streamId = newId('stream');
      const first = healthReport(streamId, '2026-01-01T12:00:00.000Z');
      await store.put(first);
      assert.deepEqual(await store.get(streamId), first);
      const second = healthReport(streamId, '2026-01-01T12:00:05.000Z', { status: 'poor', reasons: ['low_frame_rate'], transcoder: { speed: null } });
      await store.put(second);
      assert.deepEqual(await store.get(streamId), second, 'a put replaces the report, fields not merged');
      assert.equal(await store.get(newId('stream')), undefined);
    });

    it('keeps streams apart and hands out copies', async () => {
      const store = await makeStore(new ManualClock('2026-01-01T12:00:10.000Z'));
      const a = healthReport(newId('stream'), '2026-01-01T12:00:00.000Z');
      const b = healthReport(newId('stream'), '2026-01-01T12:00:01.000Z', { nodeId: 'node-b' });
      await store.put(a);
      await store.put(b);
      const read = await store.get(a.streamId);
      assert.deepEqual(read, a);
      read!.reasons.push('offline');
      assert.deepEqual(await store.get(a.streamId), a, 'changing what was read changes nothing stored');
      assert.equal((await store.get(b.streamId))?.nodeId, 'node-b');
    });

    it('forgets a report a day after it was written', async () => {
      const clock = new ManualClock('2026-01-01T12:00:00.000Z');
      const store = await makeStore(clock);
      const report = healthReport(newId('stream'), '2026-01-01T12:00:00.000Z');
      await store.put(report);
      clock.advance(DAY_MS - 1000);
      assert.deepEqual(await store.get(report.streamId), report);
      clock.advance(2000);
      assert.equal(await store.get(report.streamId), undefined, 'expired even where TTL deletion lags');
    });
  });
}

let sequence = 0;
function sessionEvent<T extends EventType>(id: string, type: T, streamId: string, sessionId: string, time: string, data: Record<string, unknown>): StreamplaneEvent {
  return { id, type, version: 1, time, streamId, sessionId, sequence: ++sequence, data } as unknown as StreamplaneEvent;
}

function stats(record: { id: string; streamId: string }, overrides: Partial<SessionStats> = {}): SessionStats {
  return {
    sessionId: record.id,
    streamId: record.streamId,
    nodeId: 'node-a',
    takeovers: 0,
    mediaSeconds: 10,
    videoBytes: 3_125_000,
    audioBytes: 160_000,
    peakVideoKbps: 2900,
    width: 1280,
    height: 720,
    fps: 30,
    videoCodec: 'h264',
    audioCodec: 'aac',
    keyframeIntervalSeconds: 2,
    starvedSeconds: 0,
    updatedAt: '2026-01-01T12:00:10.000Z',
    ...overrides,
  };
}

function record(streamId: string, startedAt: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return { id: newId('session'), streamId, startedAt, reconnects: 0, interruptions: 0, transcoderRestarts: 0, appliedEventIds: [], version: 0, ...overrides };
}

export function sessionStoreContract(name: string, makeStore: () => Promise<SessionStore>): void {
  describe(`SessionStore contract: ${name}`, () => {
    it('creates a record once and then writes it only at the version it was read at', async () => {
      const store = await makeStore();
      const r = record(newId('stream'), '2026-01-01T12:00:00.000Z', { remoteAddress: '203.0.113.9' });
      await store.put(r, undefined);
      const stored = await store.get(r.id);
      assert.deepEqual(stored, { ...r, version: 1 }, 'stored with version 1, optional fields absent, not undefined');
      assert.ok(!('endedAt' in stored!) && !('endReason' in stored!));
      await assert.rejects(store.put({ ...r, interruptions: 1 }, undefined), ConflictError, 'a second create loses');
      await assert.rejects(store.put({ ...r, interruptions: 1 }, 2), ConflictError, 'a stale version loses');
      await store.put({ ...stored!, endedAt: '2026-01-01T12:01:00.000Z', endReason: 'publisher_disconnected' }, 1);
      assert.deepEqual(await store.get(r.id), { ...r, endedAt: '2026-01-01T12:01:00.000Z', endReason: 'publisher_disconnected', version: 2 });
      await assert.rejects(store.put(record(r.streamId, r.startedAt), 1), ConflictError, 'no version to expect on a session never written');
      assert.equal(await store.get(newId('session')), undefined);
    });

    it('projects each event once per event id, duplicates and out-of-order deliveries included', async () => {
      const store = await makeStore();
      const streamId = newId('stream');
      const sessionId = newId('session');
      const ev = (id: string, type: EventType, time: string, data: Record<string, unknown>) => sessionEvent(id, type, streamId, sessionId, time, data);
      const connected = ev('evt_1', 'stream.connected', '2026-01-01T12:00:00.000Z', { reconnect: false, remoteAddress: '203.0.113.9' });
      const interrupted = ev('evt_2', 'stream.interrupted', '2026-01-01T12:00:20.000Z', { reason: 'publisher_disconnected' });
      const reconnected = ev('evt_3', 'stream.connected', '2026-01-01T12:00:25.000Z', { reconnect: true, remoteAddress: '203.0.113.10' });
      const restarted = ev('evt_4', 'transcode.error', '2026-01-01T12:00:30.000Z', { reason: 'stalled_output' });
      const ended = ev('evt_5', 'stream.ended', '2026-01-01T12:01:00.000Z', { reason: 'publisher_disconnected' });

      // The end and the reconnect arrive before the first connect; every event is delivered twice.
      for (const event of [ended, reconnected, interrupted, ended, connected, restarted, reconnected, connected, restarted, interrupted]) {
        await projectSessionEvent({ sessions: store }, event);
      }
      assert.equal(await projectSessionEvent({ sessions: store }, ended), false, 'a redelivery changes nothing');
      const stored = await store.get(sessionId);
      assert.ok(stored);
      assert.deepEqual(
        { ...stored, appliedEventIds: [...stored.appliedEventIds].sort() },
        {
          id: sessionId,
          streamId,
          startedAt: '2026-01-01T12:00:00.000Z',
          endedAt: '2026-01-01T12:01:00.000Z',
          endReason: 'publisher_disconnected',
          remoteAddress: '203.0.113.9',
          reconnects: 1,
          interruptions: 1,
          transcoderRestarts: 1,
          appliedEventIds: ['evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5'],
          version: 5,
        },
        'one write per distinct event; the start is the earliest connect, whatever came first',
      );
      // The record is listed under its earliest start, not the time of the first event that arrived.
      const listed = await store.listByStream(streamId, { limit: 10 });
      assert.deepEqual(listed.items.map((r) => [r.id, r.startedAt]), [[sessionId, '2026-01-01T12:00:00.000Z']]);
    });

    it('projects concurrent deliveries of different events without losing any', async () => {
      const store = await makeStore();
      const streamId = newId('stream');
      const sessionId = newId('session');
      await projectSessionEvent({ sessions: store }, sessionEvent('evt_a', 'stream.connected', streamId, sessionId, '2026-01-01T12:00:00.000Z', { reconnect: false }));
      const interruptions = ['evt_b', 'evt_c', 'evt_d'].map((id, i) => sessionEvent(id, 'stream.interrupted', streamId, sessionId, `2026-01-01T12:00:0${i + 1}.000Z`, { reason: 'publisher_disconnected' }));
      await Promise.all(interruptions.map((e) => projectSessionEvent({ sessions: store }, e)));
      const stored = await store.get(sessionId);
      assert.equal(stored?.interruptions, 3);
      assert.equal(stored?.version, 4);
    });

    it('keeps statistics apart from the record: neither writer overwrites the other, and the view merges both', async () => {
      const store = await makeStore();
      const r = record(newId('stream'), '2026-01-01T12:00:00.000Z');
      await store.put(r, undefined);
      assert.equal(await store.getStats(r.id), undefined);
      const first = stats(r, { width: null, height: null, fps: null, videoCodec: null, keyframeIntervalSeconds: null });
      await store.putStats(first);
      assert.deepEqual(await store.getStats(r.id), first, 'nulls stay nulls');
      const later = stats(r, { takeovers: 1, nodeId: 'node-b', mediaSeconds: 20, videoBytes: 6_250_000, updatedAt: '2026-01-01T12:00:20.000Z' });
      await store.putStats(later);
      assert.deepEqual(await store.getStats(r.id), later, 'replaced whole');

      // A record write after the statistics (the projection of a later event) keeps them, and vice versa.
      await store.put({ ...r, interruptions: 1 }, 1);
      assert.deepEqual(await store.getStats(r.id), later);
      assert.equal((await store.get(r.id))?.interruptions, 1);

      const view = await getSession({ sessions: store }, r.id);
      assert.equal(view.takeovers, 1);
      assert.equal(view.interruptions, 1);
      assert.equal(view.stats.averageVideoKbps, 2500);
      assert.equal(view.stats.mediaSeconds, 20);
      assert.equal(view.status, 'open');

      // Statistics may land before the record exists (the ingest writes them first); the record then has them.
      const early = record(r.streamId, '2026-01-01T13:00:00.000Z');
      await store.putStats(stats(early));
      assert.equal(await store.get(early.id), undefined, 'statistics alone are no session');
      await store.put(early, undefined);
      assert.equal((await store.getStats(early.id))?.sessionId, early.id);
      assert.deepEqual((await store.listByStream(r.streamId, { limit: 10 })).items.map((s) => s.id), [early.id, r.id], 'statistics are not listed as sessions');
    });

    it('lists a stream’s sessions newest first, page by page, no empty last page', async () => {
      const store = await makeStore();
      const streamId = newId('stream');
      const made: string[] = [];
      for (const minute of [3, 1, 4, 0, 2]) {
        const r = record(streamId, `2026-01-01T12:0${minute}:00.000Z`);
        await store.put(r, undefined);
        made[minute] = r.id;
      }
      // Two sessions starting at the same instant are both listed, in a stable order.
      const twinA = record(streamId, '2026-01-01T12:02:00.000Z');
      await store.put(twinA, undefined);
      await store.put(record(newId('stream'), '2026-01-01T12:09:00.000Z'), undefined);

      const seen: SessionRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listByStream(streamId, { limit: 2, ...(cursor ? { cursor } : {}) });
        assert.ok(page.items.length > 0, 'no empty page');
        seen.push(...page.items);
        cursor = page.next;
        if (cursor) assert.match(cursor, /^[A-Za-z0-9_-]+$/);
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen.map((r) => r.startedAt), ['12:04', '12:03', '12:02', '12:02', '12:01', '12:00'].map((t) => `2026-01-01T${t}:00.000Z`));
      assert.deepEqual(new Set(seen.map((r) => r.id)), new Set([...made, twinA.id]));
      assert.ok(seen.every((r) => r.streamId === streamId && r.version === 1));
      const whole = await store.listByStream(streamId, { limit: 6 });
      assert.equal(whole.items.length, 6);
      assert.equal(whole.next, undefined, 'exactly a page left: no cursor to an empty page');
      assert.deepEqual(await store.listByStream(newId('stream'), { limit: 5 }), { items: [] });

      const views = await listStreamSessions({ sessions: store }, streamId, { limit: 1 });
      assert.equal(views.items[0]?.id, made[4]);
      assert.ok(views.next);
    });

    it('refuses forged cursors, cursors of another stream, and limits out of range', async () => {
      const store = await makeStore();
      const streamId = newId('stream');
      const other = newId('stream');
      for (const minute of [0, 1, 2]) await store.put(record(streamId, `2026-01-01T12:0${minute}:00.000Z`), undefined);
      await store.put(record(other, '2026-01-01T11:00:00.000Z'), undefined);
      await store.put(record(other, '2026-01-01T11:30:00.000Z'), undefined);
      const first = await store.listByStream(streamId, { limit: 1 });
      assert.ok(first.next);
      await assert.rejects(store.listByStream(other, { limit: 1, cursor: first.next }), ValidationError, 'a cursor pages only the stream it came from');
      const forged = (position: object) => Buffer.from(JSON.stringify(position)).toString('base64url');
      const garbage: Array<[string, string]> = [
        ['not base64url', 'not a cursor!'],
        ['not JSON', 'bm90IGEgY3Vyc29y'],
        ['empty', ''],
        ['far too long', 'A'.repeat(4096)],
        ['without a version', forged({ streamId, startedAt: '2026-01-01T12:00:00.000Z', id: newId('session') })],
        ['naming a non-session id', forged({ v: 1, streamId, startedAt: '2026-01-01T12:00:00.000Z', id: 'STREAM#x' })],
        ['naming a start that is no time', forged({ v: 1, streamId, startedAt: 'ZZZ', id: newId('session') })],
        ['carrying extra keys', forged({ v: 1, streamId, startedAt: '2026-01-01T12:00:00.000Z', id: newId('session'), pk: 'KEY#x' })],
      ];
      for (const [what, cursor] of garbage) {
        await assert.rejects(store.listByStream(streamId, { limit: 1, cursor }), ValidationError, `refuses a cursor ${what}`);
      }
      for (const limit of [0, -1, 1.5, 101]) await assert.rejects(store.listByStream(streamId, { limit }), ValidationError, `limit ${limit}`);
      assert.equal((await store.listByStream(streamId, { limit: 100 })).items.length, 3);
    });
  });
}

function nodeReport(id: string, lastSeenAt: string, overrides: Partial<NodeReport> = {}): NodeReport {
  return {
    id,
    streamIds: [newId('stream')],
    cpuPercent: 35,
    memoryBytes: 400_000_000,
    memoryTotalBytes: 2_000_000_000,
    networkInBytesPerSecond: 400_000,
    networkOutBytesPerSecond: 1_200_000,
    worstTranscoderSpeed: 1.1,
    selfCheck: { ok: true, eventLoopLagMs: 3, problems: [] },
    startedAt: '2026-01-01T11:00:00.000Z',
    lastSeenAt,
    ...overrides,
  };
}

export function nodeStoreContract(name: string, makeStore: (clock: ManualClock) => Promise<NodeStore>): void {
  describe(`NodeStore contract: ${name}`, () => {
    it('lists every node by id with its latest report, whole', async () => {
      const store = await makeStore(new ManualClock('2026-01-01T12:00:10.000Z'));
      assert.deepEqual(await store.list(), []);
      const b = nodeReport('node-b', '2026-01-01T12:00:00.000Z', { worstTranscoderSpeed: null, streamIds: [] });
      const a = nodeReport('node-a', '2026-01-01T12:00:00.000Z');
      await store.put(b);
      await store.put(a);
      assert.deepEqual(await store.list(), [a, b]);
      const a2 = nodeReport('node-a', '2026-01-01T12:00:05.000Z', { cpuPercent: 97, selfCheck: { ok: false, eventLoopLagMs: 250, problems: ['event_loop_lag'] } });
      await store.put(a2);
      assert.deepEqual(await store.list(), [a2, b], 'a put replaces the node’s report');
    });

    it('judges status from the last report’s time, and forgets nodes silent for a day', async () => {
      const clock = new ManualClock('2026-01-01T12:00:10.000Z');
      const store = await makeStore(clock);
      await store.put(nodeReport('node-fresh', '2026-01-01T12:00:05.000Z'));
      await store.put(nodeReport('node-busy', '2026-01-01T12:00:05.000Z', { cpuPercent: 95 }));
      await store.put(nodeReport('node-silent', '2026-01-01T11:59:00.000Z'));
      const status = async () => Object.fromEntries(listNodeViews(await store.list(), clock.now()).map((v) => [v.id, [v.status, ...v.reasons]]));
      assert.deepEqual(await status(), { 'node-fresh': ['healthy'], 'node-busy': ['degraded', 'cpu_high'], 'node-silent': ['unhealthy', 'not_reporting'] });

      clock.advance(60_000);
      await store.put(nodeReport('node-silent', '2026-01-01T12:01:09.000Z'));
      assert.deepEqual(await status(), { 'node-fresh': ['unhealthy', 'not_reporting'], 'node-busy': ['unhealthy', 'not_reporting'], 'node-silent': ['healthy'] }, 'a node that reports again is healthy again');

      clock.advance(DAY_MS - 60_000); // a day after fresh/busy last reported, less than a day after silent did
      assert.deepEqual((await store.list()).map((n) => n.id), ['node-silent']);
      clock.advance(DAY_MS);
      assert.deepEqual(await store.list(), []);
    });
  });
}
