import assert from 'node:assert/strict';
import { access, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { FsObjectStore } from '../../adapters/fs-object-store';
import { ValidationError } from '../../core/errors';

const TS = { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' };
const M3U8 = { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=1' };

describe('FsObjectStore', () => {
  let dir: string;
  let store: FsObjectStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sp-fsstore-'));
    store = new FsObjectStore(join(dir, 'root'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts, gets and replaces objects', async () => {
    await store.put('live/st_a/720p/0.ts', new Uint8Array([1, 2, 3]), TS);
    assert.deepEqual([...((await store.get('live/st_a/720p/0.ts')) ?? [])], [1, 2, 3]);
    await store.put('live/st_a/720p/index.m3u8', '#EXTM3U\n', M3U8);
    await store.put('live/st_a/720p/index.m3u8', '#EXTM3U\n#EXT-X-ENDLIST\n', M3U8);
    assert.equal(Buffer.from((await store.get('live/st_a/720p/index.m3u8'))!).toString(), '#EXTM3U\n#EXT-X-ENDLIST\n');
    assert.equal(await store.get('live/st_a/720p/missing.ts'), undefined);
    assert.equal(await store.get('live/st_a'), undefined, 'a folder is not an object');
  });

  it('keeps content type and cache control for the origin', async () => {
    await store.put('live/st_b/master.m3u8', '#EXTM3U\n', M3U8);
    const reader = await store.open('live/st_b/master.m3u8');
    assert.ok(reader);
    assert.equal(reader.contentType, M3U8.contentType);
    assert.equal(reader.cacheControl, M3U8.cacheControl);
    assert.equal(reader.size, 8);
    assert.equal(await text(reader.stream({ start: 1, end: 3 })), 'EXT');
    assert.equal(await store.open('live/st_b/nothing.m3u8'), undefined);
  });

  it('lists in key order with sizes, skipping its own sidecars and temp files', async () => {
    await store.put('vod/x/10.ts', 'ten', TS);
    await store.put('vod/x/9.ts', 'nine!', TS);
    await store.put('vod/x/sub/1.ts', 'a', TS);
    await store.put('vod/xy/1.ts', 'b', TS);
    await writeFile(join(store.root, 'vod', 'x', '.tmp-123-abc'), 'half');
    assert.deepEqual(await store.list('vod/x/'), [
      { key: 'vod/x/10.ts', size: 3 },
      { key: 'vod/x/9.ts', size: 5 },
      { key: 'vod/x/sub/1.ts', size: 1 },
    ]);
    assert.deepEqual((await store.list('vod/x')).map((o) => o.key), ['vod/x/10.ts', 'vod/x/9.ts', 'vod/x/sub/1.ts', 'vod/xy/1.ts']);
    assert.deepEqual((await store.list('vod/x/1')).map((o) => o.key), ['vod/x/10.ts']);
    assert.deepEqual(await store.list('nothing/here/'), []);
    assert.ok((await store.list('')).every((o) => !o.key.includes('.meta') && !o.key.includes('.tmp')));
  });

  it('deletes objects and their metadata, ignoring missing ones', async () => {
    await store.put('rec/a/1.ts', 'x', TS);
    await store.delete(['rec/a/1.ts', 'rec/a/never.ts']);
    assert.equal(await store.get('rec/a/1.ts'), undefined);
    assert.deepEqual(await store.list('rec/'), []);
    await assert.rejects(readFile(join(store.root, '.meta', 'rec', 'a', '1.ts.json')), { code: 'ENOENT' });
  });

  it('leaves no temp files behind and never shows a partial object to readers', async () => {
    const big = new Uint8Array(2 * 1024 * 1024).fill(7);
    const key = 'live/st_c/720p/1.ts';
    const writes = Array.from({ length: 5 }, () => store.put(key, big, TS));
    const reads: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      reads.push(
        store.get(key).then((got) => {
          if (got) assert.equal(got.length, big.length, 'a reader saw a partial object');
        }),
      );
    }
    await Promise.all([...writes, ...reads]);
    assert.deepEqual((await readdir(join(store.root, 'live', 'st_c', '720p'))).sort(), ['1.ts']);
  });

  it('refuses hostile keys without touching the filesystem outside its root', async () => {
    const hostile = ['', '/etc/passwd', '../escape.ts', 'live/../../escape.ts', 'live/./a.ts', 'live//a.ts', 'live\\a.ts', 'live/a\u0000.ts', 'live/.meta/x', '.meta/live/a.ts.json', 'live/a.ts/', 'x'.repeat(2000)];
    for (const key of hostile) {
      await assert.rejects(store.put(key, 'x', TS), ValidationError, JSON.stringify(key));
      await assert.rejects(store.get(key), ValidationError, JSON.stringify(key));
      await assert.rejects(store.delete([key]), ValidationError, JSON.stringify(key));
    }
    await assert.rejects(store.list('../'), ValidationError);
    await assert.rejects(store.list('/'), ValidationError);
    assert.deepEqual((await readdir(dir)).sort(), ['root']);
  });

  describe('adoptFile (how the packager stores a finished scratch segment)', () => {
    const scratchFile = async (name: string, body: string): Promise<string> => {
      const path = join(dir, name);
      await writeFile(path, body);
      return path;
    };

    it('moves the file into place with its metadata, so it is no longer on scratch', async () => {
      const path = await scratchFile('seg_00001.ts', 'segment bytes');
      const mtime = (await stat(path)).mtimeMs;
      const adopted = await store.adoptFile('recordings/st_a/rec_1/720p/1-2000-0.ts', path, TS);
      assert.deepEqual(adopted, { bytes: 13, modifiedAtMs: mtime });
      await assert.rejects(access(path), { code: 'ENOENT' });
      assert.equal(Buffer.from((await store.get('recordings/st_a/rec_1/720p/1-2000-0.ts'))!).toString(), 'segment bytes');
      const reader = await store.open('recordings/st_a/rec_1/720p/1-2000-0.ts');
      assert.equal(reader?.contentType, TS.contentType);
      assert.equal(reader?.cacheControl, TS.cacheControl);
      await reader?.close();
      assert.deepEqual(await store.list('recordings/st_a/rec_1/'), [{ key: 'recordings/st_a/rec_1/720p/1-2000-0.ts', size: 13 }]);
    });

    it('replaces an object of the same key', async () => {
      await store.put('live/st_c/720p/0.ts', 'old', TS);
      await store.adoptFile('live/st_c/720p/0.ts', await scratchFile('seg_new.ts', 'new bytes'), TS);
      assert.equal(Buffer.from((await store.get('live/st_c/720p/0.ts'))!).toString(), 'new bytes');
    });

    it('stores nothing when the file is not there (the packager publishes a gap)', async () => {
      assert.equal(await store.adoptFile('live/st_d/720p/0.ts', join(dir, 'vanished.ts'), TS), undefined);
      assert.equal(await store.get('live/st_d/720p/0.ts'), undefined);
      assert.equal(await store.adoptFile('live/st_d/720p/1.ts', dir, TS), undefined, 'a folder is not a file to adopt');
    });

    it('refuses a hostile key and leaves the file where it was', async () => {
      const path = await scratchFile('seg_hostile.ts', 'x');
      await assert.rejects(store.adoptFile('../escape.ts', path, TS), ValidationError);
      assert.equal(await readFile(path, 'utf8'), 'x');
      assert.deepEqual((await readdir(dir)).filter((n) => n === 'escape.ts'), []);
    });

    it('copies a file from another filesystem, then removes it there', async (t) => {
      const shm = await mkdtemp('/dev/shm/sp-fsstore-').catch(() => undefined);
      if (!shm || (await stat(shm)).dev === (await stat(dir)).dev) {
        if (shm) await rm(shm, { recursive: true, force: true });
        t.skip('no second filesystem (/dev/shm) here');
        return;
      }
      try {
        const path = join(shm, 'seg_other_fs.ts');
        await writeFile(path, 'across filesystems');
        assert.deepEqual((await store.adoptFile('live/st_e/720p/0.ts', path, TS))?.bytes, 18);
        assert.equal(Buffer.from((await store.get('live/st_e/720p/0.ts'))!).toString(), 'across filesystems');
        await assert.rejects(access(path), { code: 'ENOENT' });
        assert.deepEqual((await readdir(join(dir, 'root', 'live', 'st_e', '720p'))).filter((n) => n.startsWith('.tmp-')), []);
      } finally {
        await rm(shm, { recursive: true, force: true });
      }
    });
  });
});
