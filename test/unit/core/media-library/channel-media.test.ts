/** Channel settings against the library: only ready items, stills only as slates, in-use checks, and the playout resolver. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamplaneError } from '../../../../core/errors';
import { newId } from '../../../../core/ids';
import { libraryObjectKey } from '../../../../core/media/layout';
import { type ChannelSettings, applyChannelPatch, checkChannelMedia, resolveChannelMedia, streamsUsingMedia, usesMedia } from '../../../../core/media-library/channel-media';
import type { MediaItem } from '../../../../core/media-library/media-item';
import { createStreamInput, updateStreamInput } from '../../../../core/streams/stream-input';
import { MemoryMediaStore } from '../../../support/memory-media-store';
import { MemoryStreamStore } from '../../../support/memory-stream-store';

const T = '2025-01-01T00:00:00.000Z';
function item(overrides: Partial<MediaItem> = {}): MediaItem {
  const id = newId('media');
  return { id, name: id, status: 'ready', objectKey: libraryObjectKey(id), uploadExpiresAt: T, kind: 'audio', durationSeconds: 30, codecs: ['aac'], bytes: 10, createdAt: T, updatedAt: T, version: 1, ...overrides };
}

async function library(...items: MediaItem[]): Promise<MemoryMediaStore> {
  const store = new MemoryMediaStore();
  for (const i of items) await store.create(i);
  return store;
}

const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (err: unknown) => (err instanceof StreamplaneError ? err.code : String(err)));

describe('channel settings', () => {
  it('validate on the wire: 1..50 media ids, sequential by default, null clears', () => {
    const id = newId('media');
    assert.deepEqual(createStreamInput.parse({ name: 'radio', fallback: { mediaIds: [id] } }).fallback, { mediaIds: [id], order: 'sequential' });
    assert.equal(updateStreamInput.parse({ fallback: null }).fallback, null);
    assert.equal(createStreamInput.safeParse({ name: 'radio', fallback: { mediaIds: [] } }).success, false);
    assert.equal(createStreamInput.safeParse({ name: 'radio', fallback: { mediaIds: Array(51).fill(id) } }).success, false);
    assert.equal(createStreamInput.safeParse({ name: 'radio', fallback: { mediaIds: ['st_abcdefghijklmnopqrst'] } }).success, false);
    assert.equal(createStreamInput.safeParse({ name: 'radio', fallback: { mediaIds: [id], order: 'random' } }).success, false);
    assert.equal(updateStreamInput.safeParse({ slateMediaId: 'x' }).success, false);
    assert.equal(updateStreamInput.parse({ reconnectSlate: false }).reconnectSlate, false);
  });

  it('accept ready items only: unknown → unknown_media, uploading or failed → media_not_ready, a still in a fallback → validation', async () => {
    const ready = item();
    const uploading = item({ status: 'uploading' });
    const still = item({ kind: 'video', durationSeconds: 0, still: true });
    const lookup = await library(ready, uploading, still);
    assert.equal(await codeOf(checkChannelMedia(lookup, { fallback: { mediaIds: [ready.id], order: 'shuffle' }, slateMediaId: still.id })), 'ok');
    assert.equal(await codeOf(checkChannelMedia(lookup, { fallback: { mediaIds: [ready.id, newId('media')], order: 'sequential' } })), 'unknown_media');
    assert.equal(await codeOf(checkChannelMedia(lookup, { slateMediaId: uploading.id })), 'media_not_ready');
    assert.equal(await codeOf(checkChannelMedia(lookup, { fallback: { mediaIds: [still.id], order: 'sequential' } })), 'validation');
    assert.equal(await codeOf(checkChannelMedia(undefined, { fallback: null, slateMediaId: null })), 'ok', 'clearing needs no library');
    assert.equal(await codeOf(checkChannelMedia(undefined, { slateMediaId: ready.id })), 'unavailable');
  });

  it('patch only what changed, and clear to the defaults', () => {
    const id = newId('media');
    const current: ChannelSettings = {};
    const next: ChannelSettings = {};
    assert.deepEqual(applyChannelPatch(next, current, { fallback: { mediaIds: [id], order: 'sequential' }, reconnectSlate: true }), ['fallback']);
    assert.deepEqual(next, { fallback: { mediaIds: [id], order: 'sequential' } });
    const cleared: ChannelSettings = { ...next };
    assert.deepEqual(applyChannelPatch(cleared, next, { fallback: null, slateMediaId: null, reconnectSlate: false }), ['fallback', 'reconnectSlate']);
    assert.deepEqual(cleared, { reconnectSlate: false });
  });

  it('find the streams that use an item, as fallback or slate, across pages', async () => {
    const streams = new MemoryStreamStore();
    const used = newId('media');
    for (let i = 0; i < 130; i++) {
      const id = newId('stream');
      await streams.create({
        id,
        name: `s${i}`,
        status: 'idle',
        keyHash: String(i).padStart(64, '0'),
        recording: false,
        reconnectWindowSeconds: 0,
        createdAt: new Date(Date.parse(T) + i * 1000).toISOString(),
        updatedAt: T,
        version: 1,
        ...(i === 3 ? { fallback: { mediaIds: [used], order: 'sequential' as const } } : {}),
        ...(i === 120 ? { slateMediaId: used } : {}),
      });
    }
    assert.equal((await streamsUsingMedia(streams, used)).length, 2);
    assert.deepEqual(await streamsUsingMedia(streams, newId('media')), []);
    assert.equal(usesMedia({ slateMediaId: used }, used), true);
  });

  it('resolveChannelMedia hands the playout ready items in order, the slate, and names what went missing', async () => {
    const a = item({ kind: 'audio', durationSeconds: 10 });
    const b = item({ kind: 'video', durationSeconds: 20 });
    const gone = newId('media');
    const failed = item({ status: 'failed', error: 'not media' });
    const still = item({ kind: 'video', durationSeconds: 0, still: true });
    const lookup = await library(a, b, failed, still);
    const out = await resolveChannelMedia({ fallback: { mediaIds: [b.id, gone, a.id, failed.id], order: 'shuffle' }, slateMediaId: still.id }, lookup);
    assert.deepEqual(out.fallback, [
      { mediaId: b.id, objectKey: b.objectKey, kind: 'video', durationSeconds: 20 },
      { mediaId: a.id, objectKey: a.objectKey, kind: 'audio', durationSeconds: 10 },
    ]);
    assert.equal(out.order, 'shuffle');
    assert.deepEqual(out.slate, { mediaId: still.id, objectKey: still.objectKey, kind: 'video', durationSeconds: 0, still: true });
    assert.equal(out.reconnectSlate, true);
    assert.deepEqual(out.missing, [gone, failed.id]);
    const none = await resolveChannelMedia({}, lookup);
    assert.deepEqual(none, { fallback: [], order: 'sequential', slate: null, reconnectSlate: true, missing: [] });
  });
});
