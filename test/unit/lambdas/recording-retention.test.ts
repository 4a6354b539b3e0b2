/**
 * The recording retention function's edge: on its schedule it deletes settled recordings past the
 * retention with their objects (so the API stops listing them), keeps younger ones and any still being
 * written, works in bounded batches that stop before the Lambda timeout (the next run continues), refuses
 * any other event, and reads its configuration once, naming a bad key.
 */
import type { Context } from 'aws-lambda';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Logger } from '../../../core/ports/logger';
import { recordingIdFor, type Recording } from '../../../core/recordings/recording';
import { loadRecordingRetentionConfig } from '../../../lambdas/recording-retention/config';
import { createRecordingRetentionHandler, type RecordingRetentionDeps } from '../../../lambdas/recording-retention/handler';
import { ConfigError } from '../../../core/config/env';
import { MemoryObjectStore } from '../../support/memory-object-store';
import { MemoryRecordingStore } from '../../support/memory-recording-store';
import { ManualClock } from '../../support/recorded-events';

const STREAM = 'st_abcdefghijklmnopqrst';
const DAY = 86_400_000;
const schedule = { version: '0', id: 's-1', source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2025-03-01T00:00:00Z', resources: [], detail: {} };

/** A context whose remaining time the test sets. */
function contextWith(remainingMs: () => number): Context {
  return { functionName: 'recording-retention', awsRequestId: 'req-1', getRemainingTimeInMillis: remainingMs } as unknown as Context;
}
const plentyOfTime = contextWith(() => 15 * 60_000);

describe('recording retention function', () => {
  let recordings: MemoryRecordingStore;
  let objects: MemoryObjectStore;
  let clock: ManualClock;
  let logs: Array<{ level: string; msg: string; fields?: Record<string, unknown> }>;
  let deps: RecordingRetentionDeps;

  beforeEach(() => {
    recordings = new MemoryRecordingStore();
    objects = new MemoryObjectStore();
    clock = new ManualClock('2025-03-01T00:00:00.000Z');
    logs = [];
    const logger: Logger = {
      debug: (msg, fields) => logs.push({ level: 'debug', msg, ...(fields ? { fields } : {}) }),
      info: (msg, fields) => logs.push({ level: 'info', msg, ...(fields ? { fields } : {}) }),
      warn: (msg, fields) => logs.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
      error: (msg, fields) => logs.push({ level: 'error', msg, ...(fields ? { fields } : {}) }),
    };
    deps = { recordings, objectStore: objects, clock, retentionDays: 30, logger };
  });

  /** A recording created `ageDays` ago, with a segment and a playlist stored under its folder. */
  async function recording(session: string, ageDays: number, status: Recording['status'] = 'ready'): Promise<string> {
    const id = recordingIdFor(`ses_${session.repeat(20).slice(0, 20)}`);
    const createdAt = new Date(clock.now().getTime() - ageDays * DAY).toISOString();
    await recordings.create({ id, streamId: STREAM, sessionId: `ses_${session.repeat(20).slice(0, 20)}`, status, createdAt, updatedAt: createdAt, version: 1 });
    objects.putSegment(`recordings/${id}/720p/0-2000-0.ts`);
    objects.putSegment(`recordings/${id}/720p/index.m3u8`, 100);
    return id;
  }

  const keysUnder = async (id: string) => (await objects.list(`recordings/${id}/`)).map((o) => o.key);

  it('deletes an expired ready recording with its objects, keeps an unexpired one and one still being recorded', async () => {
    const expired = await recording('a', 31);
    const young = await recording('b', 29);
    const stillRecording = await recording('c', 45, 'recording');
    const handler = createRecordingRetentionHandler(deps);

    const result = await handler(schedule, plentyOfTime);

    assert.deepEqual(result, { deleted: 1, failed: 0 });
    assert.equal(await recordings.get(expired), undefined, 'the record is gone, so the API no longer lists it');
    assert.deepEqual(await keysUnder(expired), []);
    assert.ok(await recordings.get(young));
    assert.equal((await keysUnder(young)).length, 2);
    assert.equal((await recordings.get(stillRecording))?.status, 'recording');
    assert.equal((await keysUnder(stillRecording)).length, 2, 'nothing of a recording being written is touched');
    assert.deepEqual(logs, [{ level: 'info', msg: 'recording retention: swept', fields: { deleted: 1, failed: 0, retentionDays: 30 } }]);
  });

  it('deletes at most one batch per run; the next run continues where it stopped', async () => {
    const ids = [await recording('d', 40), await recording('e', 39), await recording('f', 38)];
    const handler = createRecordingRetentionHandler({ ...deps, maxRecordingsPerRun: 2 });

    const first = await handler(schedule, plentyOfTime);

    assert.deepEqual(first, { deleted: 2, failed: 0, stoppedBy: 'limit' });
    assert.deepEqual(
      recordings.all().map((r) => r.id),
      [ids[2]],
      'the oldest go first',
    );
    assert.equal(logs.at(-1)?.msg, 'recording retention: swept a batch; the next run continues');

    const second = await handler(schedule, plentyOfTime);

    assert.deepEqual(second, { deleted: 1, failed: 0 });
    assert.deepEqual(recordings.all(), []);
  });

  it('starts on no new recording once the time left is under its margin', async () => {
    const ids = [await recording('g', 40), await recording('h', 39)];
    let remaining = 6 * 60_000;
    // Deleting a recording's objects "takes" five minutes: after the first one, less than the margin is left.
    objects.delete = async (keys) => {
      remaining -= 5 * 60_000;
      for (const key of keys) objects.objects.delete(key);
    };
    const handler = createRecordingRetentionHandler({ ...deps, stopBeforeTimeoutMs: 2 * 60_000 });

    const result = await handler(schedule, contextWith(() => remaining));

    assert.deepEqual(result, { deleted: 1, failed: 0, stoppedBy: 'time' });
    assert.equal(await recordings.get(ids[0] as string), undefined);
    assert.ok(await recordings.get(ids[1] as string), 'left for the next run');
  });

  it('logs a recording it could not delete by id and goes on with the others', async () => {
    const failing = await recording('i', 40);
    const other = await recording('j', 39);
    const list = objects.list.bind(objects);
    objects.list = async (prefix) => {
      if (prefix.includes(failing)) throw new Error('SlowDown');
      return list(prefix);
    };
    const handler = createRecordingRetentionHandler(deps);

    const result = await handler(schedule, plentyOfTime);

    assert.deepEqual(result, { deleted: 1, failed: 1 });
    assert.equal(await recordings.get(other), undefined);
    assert.deepEqual(
      logs.map((l) => [l.level, l.msg, l.fields?.recordingId]),
      [
        ['warn', 'recording retention: could not delete a recording; the next run tries again', failing],
        ['error', 'recording retention: swept, some recordings could not be deleted', undefined],
      ],
    );
  });

  it('refuses any event but the schedule, before touching anything', async () => {
    const id = await recording('k', 40);
    const handler = createRecordingRetentionHandler(deps);

    await assert.rejects(handler({ Records: [] }, plentyOfTime));

    assert.ok(await recordings.get(id));
    assert.equal(logs[0]?.msg, 'recording retention sweep failed');
  });

  it('reads its configuration from the environment, naming a bad key', () => {
    const env = { TABLE_NAME: 'Streamplane-Registry', MEDIA_BUCKET: 'streamplane-media', RECORDING_RETENTION_DAYS: '30' };

    assert.deepEqual(loadRecordingRetentionConfig(env), { tableName: 'Streamplane-Registry', mediaBucket: 'streamplane-media', retentionDays: 30 });
    for (const [key, value] of [['RECORDING_RETENTION_DAYS', '0'], ['RECORDING_RETENTION_DAYS', ''], ['MEDIA_BUCKET', 'Not A Bucket']] as const) {
      assert.throws(
        () => loadRecordingRetentionConfig({ ...env, [key]: value }),
        (err: unknown) => err instanceof ConfigError && err.key === key,
        `${key}=${JSON.stringify(value)}`,
      );
    }
  });
});
