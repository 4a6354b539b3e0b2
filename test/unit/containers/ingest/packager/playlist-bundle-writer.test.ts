import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { livePlaylistBundleKey, parsePlaylistBundle } from '../../../../../core/hls/playlist-bundle';
import { silentLogger } from '../../../../../core/ports/logger';
import { PlaylistBundleWriter } from '../../../../../containers/ingest/src/packager/playlist-bundle-writer';
import { MemoryObjectStore } from '../../../../support/memory-object-store';

const ID = 'st_abcdefghijklmnopqrst';
const text = (r: string, n: number) => `#EXTM3U\n# ${r} ${n}\n`;

function writer(store: MemoryObjectStore, windowMs = 10_000) {
  return new PlaylistBundleWriter({ streamId: ID, renditions: ['720p', '360p'], store, retryPolicy: { initialDelayMs: 1, maxDelayMs: 2 }, logger: silentLogger, putOptions: { contentType: 'application/json', cacheControl: 'no-cache' }, windowMs });
}

describe('PlaylistBundleWriter', () => {
  it('one PUT once every rendition has a new playlist; callers answered only after it is stored', async () => {
    const store = new MemoryObjectStore();
    const w = writer(store);
    const signal = new AbortController().signal;
    let first = false;
    const a = w.write('720p', text('720p', 0), signal).then(() => (first = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(first, false, 'waits for the other rendition (window 10 s)');
    assert.equal(await store.get(livePlaylistBundleKey(ID)), undefined);
    await Promise.all([a, w.write('360p', text('360p', 0), signal)]);
    assert.equal(w.puts, 1);
    const stored = parsePlaylistBundle(Buffer.from((await store.get(livePlaylistBundleKey(ID)))!).toString('utf8'))!;
    assert.deepEqual(Object.fromEntries(stored), { '720p': text('720p', 0), '360p': text('360p', 0) });
  });

  it('a lone rendition goes after the window, keeping the others\' last playlists; immediate writes do not wait', async () => {
    const store = new MemoryObjectStore();
    const w = writer(store, 20);
    const signal = new AbortController().signal;
    await Promise.all([w.write('720p', text('720p', 0), signal), w.write('360p', text('360p', 0), signal)]);
    await w.write('720p', text('720p', 1), signal);
    await w.write('360p', text('360p', 1), signal, true);
    assert.equal(w.puts, 3);
    const stored = parsePlaylistBundle(Buffer.from((await store.get(livePlaylistBundleKey(ID)))!).toString('utf8'))!;
    assert.deepEqual(Object.fromEntries(stored), { '720p': text('720p', 1), '360p': text('360p', 1) });
  });
});
