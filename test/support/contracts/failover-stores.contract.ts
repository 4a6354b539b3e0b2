/**
 * What every IngestHeartbeatStore and ReconnectDeadlineStore must do (core/ports/ingest-heartbeats.ts,
 * reconnect-deadlines.ts), run against the in-memory fakes and the DynamoDB adapters on dynalite. Each
 * factory must return an empty, isolated store; the steps of one describe share it, in order.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { IngestHeartbeatStore } from '../../../core/ports/ingest-heartbeats';
import type { ReconnectDeadlineStore } from '../../../core/ports/reconnect-deadlines';

const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, seconds));

export function heartbeatStoreContract(name: string, makeStore: () => Promise<IngestHeartbeatStore>): void {
  describe(`IngestHeartbeatStore contract: ${name}`, () => {
    let heartbeats: IngestHeartbeatStore;
    before(async () => {
      heartbeats = await makeStore();
    });

    it('keeps the latest beat of a task with the streams it carries', async () => {
      await heartbeats.beat('task-a', ['st_1', 'st_2', 'st_1'], at(0));
      assert.deepEqual(await heartbeats.get('task-a'), { taskId: 'task-a', streamIds: ['st_1', 'st_2'], at: at(0) }, 'each stream once');
      await heartbeats.beat('task-a', ['st_2'], at(15));
      assert.deepEqual(await heartbeats.get('task-a'), { taskId: 'task-a', streamIds: ['st_2'], at: at(15) });
      assert.equal(await heartbeats.get('task-unknown'), undefined);
    });

    it('never lets an older beat overwrite a newer one', async () => {
      await heartbeats.beat('task-b', ['st_new'], at(30));
      await heartbeats.beat('task-b', ['st_old'], at(10));
      assert.deepEqual((await heartbeats.get('task-b'))?.streamIds, ['st_new']);
    });

    it('lists stale and fresh tasks by the time of their last beat', async () => {
      await heartbeats.beat('task-c', [], at(40));
      // task-a last beat at 15, task-b at 30, task-c at 40
      assert.deepEqual((await heartbeats.listStale(at(30))).map((h) => h.taskId), ['task-a']);
      assert.deepEqual((await heartbeats.listFresh(at(30))).map((h) => h.taskId).sort(), ['task-b', 'task-c']);
      assert.deepEqual((await heartbeats.listStale(at(41))).map((h) => h.taskId).sort(), ['task-a', 'task-b', 'task-c']);
    });

    it('removes a heartbeat only if it is still the beat the caller saw', async () => {
      await heartbeats.beat('task-d', ['st_9'], at(50));
      assert.equal(await heartbeats.remove('task-d', at(45)), false);
      assert.ok(await heartbeats.get('task-d'));
      assert.equal(await heartbeats.remove('task-d', at(50)), true);
      assert.equal(await heartbeats.get('task-d'), undefined);
      assert.equal(await heartbeats.remove('task-d'), false);
      assert.equal(await heartbeats.remove('task-c'), true, 'without expectedAt, whatever beat is there');
    });
  });
}

export function reconnectDeadlineStoreContract(name: string, makeStore: () => Promise<ReconnectDeadlineStore>): void {
  describe(`ReconnectDeadlineStore contract: ${name}`, () => {
    let deadlines: ReconnectDeadlineStore;
    before(async () => {
      deadlines = await makeStore();
    });

    it('lists the deadlines that are due, earliest first, and only those', async () => {
      await deadlines.schedule({ streamId: 'st_late', sessionId: 'ses_1', version: 3, endAfter: at(90) });
      await deadlines.schedule({ streamId: 'st_due', sessionId: 'ses_2', version: 7, endAfter: at(60) });
      await deadlines.schedule({ streamId: 'st_exact', sessionId: 'ses_3', version: 1, endAfter: at(70) });
      assert.deepEqual(await deadlines.listDue(at(70)), [
        { streamId: 'st_due', sessionId: 'ses_2', version: 7, endAfter: at(60) },
        { streamId: 'st_exact', sessionId: 'ses_3', version: 1, endAfter: at(70) },
      ]);
    });

    it('keeps one deadline per stream: a new interruption replaces the old one', async () => {
      await deadlines.schedule({ streamId: 'st_due', sessionId: 'ses_2', version: 9, endAfter: at(120) });
      assert.deepEqual((await deadlines.listDue(at(70))).map((d) => d.streamId), ['st_exact']);
    });

    it('removes a deadline only at the version it was listed with', async () => {
      await deadlines.remove({ streamId: 'st_due', version: 7 });
      assert.deepEqual((await deadlines.listDue(at(200))).map((d) => d.streamId), ['st_exact', 'st_late', 'st_due']);
      await deadlines.remove({ streamId: 'st_due', version: 9 });
      await deadlines.remove({ streamId: 'st_exact', version: 1 });
      await deadlines.remove({ streamId: 'st_late', version: 3 });
      await deadlines.remove({ streamId: 'st_never', version: 1 });
      assert.deepEqual(await deadlines.listDue(at(200)), []);
    });
  });
}
