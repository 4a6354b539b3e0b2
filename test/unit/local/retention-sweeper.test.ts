/**
 * The local retention sweeper: recordings past retention go (through the delete use case), live media of
 * streams that are not recorded goes once no player can want it, and nothing a live playlist names is
 * ever touched.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { writeMediaPlaylist } from '../../../core/hls/playlist';
import { finalizeRecording } from '../../../core/recordings/finalize';
import { startRecording } from '../../../core/recordings/start';
import { segmentFileName } from '../../../core/media/layout';
import { recordingIdFor } from '../../../core/recordings/recording';
import type { Stream } from '../../../core/streams/stream';
import { RetentionSweeper, type IntervalTimers } from '../../../local/retention-sweeper';
import { MemoryObjectStore } from '../../support/memory-object-store';
import { MemoryRecordingStore } from '../../support/memory-recording-store';
import { MemoryStreamStore } from '../../support/memory-stream-store';
import { ManualClock, recordingEmitter } from '../../support/recorded-events';

const HOUR = 3_600_000;
const LIVE = 'st_livelivelivelivelive'.slice(0, 23);
const ENDED = 'st_endedendedendedended'.slice(0, 23);
const GONE = 'st_gonegonegonegonegone'.slice(0, 23);

function stream(id: string, overrides: Partial<Stream>): Stream {
  return { id, name: id, status: 'idle', keyHash: id.padEnd(64, '0'), recording: false, reconnectWindowSeconds: 60, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', version: 1, ...overrides };
}

describe('retention sweeper', () => {
  let objects: MemoryObjectStore;
  let recordings: MemoryRecordingStore;
  let streams: MemoryStreamStore;
  let clock: ManualClock;
  let ticks: Array<() => void>;
  let timers: IntervalTimers;

  beforeEach(() => {
    objects = new MemoryObjectStore();
    recordings = new MemoryRecordingStore();
    streams = new MemoryStreamStore();
    clock = new ManualClock('2025-01-01T00:00:00.000Z');
    ticks = [];
    timers = { setInterval: (cb) => ticks.push(cb), clearInterval: () => void ticks.splice(0) };
  });

  function sweeper(options: { retentionDays?: number } = {}): RetentionSweeper {
    return new RetentionSweeper({ recordings, objectStore: objects, streams, clock, timers, intervalMs: 60_000, liveRetentionMs: HOUR, ...options });
  }

  /** `count` 2 s segments of a live rendition, the playlist naming the last `window`. */
  async function liveRendition(streamId: string, count: number, window: number): Promise<string[]> {
    const keys: string[] = [];
    for (let seq = 0; seq < count; seq++) {
      const key = `live/${streamId}/720p/${segmentFileName({ seq, durationMs: 2000, disc: 0 })}`;
      objects.putSegment(key);
      keys.push(key);
    }
    const segments = keys.slice(-window).map((k) => ({ uri: k.split('/')[3] as string, duration: 2 }));
    await objects.put(`live/${streamId}/720p/index.m3u8`, writeMediaPlaylist({ targetDuration: 2, mediaSequence: count - window, discontinuitySequence: 0, segments }), { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=1' });
    return keys;
  }

  it('keeps the last hour of a live stream and everything its playlist names; drops older segments', async () => {
    await streams.create(stream(LIVE, { status: 'live', sessionId: 'ses_aaaaaaaaaaaaaaaaaaaa' }));
    const keys = await liveRendition(LIVE, 1810, 6); // about an hour and a minute of media

    const report = await sweeper().sweepOnce();

    const left = (await objects.list(`live/${LIVE}/720p/`)).map((o) => o.key);
    assert.equal(report.liveObjectsDeleted, 10);
    assert.ok(!left.includes(keys[0] as string));
    assert.ok(left.includes(keys[10] as string), 'the last hour stays');
    assert.ok(left.includes(`live/${LIVE}/720p/index.m3u8`));
    for (const named of keys.slice(-6)) assert.ok(left.includes(named));
  });

  it('drops the live segments of an ended stream an hour after its last change, keeping playlists', async () => {
    await streams.create(stream(ENDED, { status: 'ended', updatedAt: clock.now().toISOString() }));
    await liveRendition(ENDED, 20, 6);

    assert.equal((await sweeper().sweepOnce()).liveObjectsDeleted, 0, 'not yet');
    clock.advance(HOUR);
    const report = await sweeper().sweepOnce();

    assert.equal(report.liveObjectsDeleted, 20);
    assert.deepEqual((await objects.list(`live/${ENDED}/`)).map((o) => o.key), [`live/${ENDED}/720p/index.m3u8`]);
  });

  it('removes the whole live folder of a deleted stream', async () => {
    await liveRendition(GONE, 3, 3);
    await sweeper().sweepOnce();
    assert.deepEqual(await objects.list(`live/${GONE}/`), []);
  });

  it('deletes recordings past the global retention, never one still being written', async () => {
    const { emit } = recordingEmitter(streams, clock);
    const deps = { recordings, objectStore: objects, emit, clock, playbackBase: 'http://x', streams };
    await streams.create(stream(ENDED, { status: 'ended' }));
    const old = 'ses_oldoldoldoldoldoldold'.slice(0, 24);
    const live = 'ses_livelivelivelivelive'.slice(0, 24);
    await startRecording(deps, { streamId: ENDED, sessionId: old });
    objects.putSegment(`recordings/${recordingIdFor(old)}/720p/0-2000-0.ts`);
    await finalizeRecording(deps, { recordingId: recordingIdFor(old), streamId: ENDED, sessionId: old });
    await startRecording(deps, { streamId: ENDED, sessionId: live });
    objects.putSegment(`recordings/${recordingIdFor(live)}/720p/0-2000-0.ts`);
    clock.advance(8 * 24 * HOUR);

    const report = await sweeper({ retentionDays: 7 }).sweepOnce();

    assert.deepEqual(report.recordingsDeleted, [recordingIdFor(old)]);
    assert.deepEqual(await objects.list(`recordings/${recordingIdFor(old)}/`), []);
    assert.equal((await objects.list(`recordings/${recordingIdFor(live)}/`)).length, 1);
  });

  it('sweeps on its interval and stops cleanly', async () => {
    await liveRendition(GONE, 3, 3);
    const s = sweeper();
    s.start();
    assert.equal(ticks.length, 1);
    ticks[0]?.();
    await s.stop();
    assert.deepEqual(await objects.list(`live/${GONE}/`), []);
    assert.equal(ticks.length, 0);
  });
});
