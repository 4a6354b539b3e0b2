/** Streamed puts on the folder store: the object appears whole or not at all; over the limit, nothing is kept. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsObjectStore } from '../../adapters/fs-object-store';
import { StreamplaneError } from '../../core/errors';

const OPTIONS = { contentType: 'application/octet-stream', cacheControl: 'private, no-store' };

async function* chunks(count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield new Uint8Array(size).fill(i % 256);
}

describe('FsObjectStore.putStream', () => {
  let root: string;
  let store: FsObjectStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'streamplane-fs-stream-'));
    store = new FsObjectStore(root);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores a streamed body chunk by chunk and reports its size', async () => {
    const { bytes } = await store.putStream('media/med_a/source', chunks(64, 16 * 1024), { ...OPTIONS, maxBytes: 2 * 1024 * 1024 });
    assert.equal(bytes, 64 * 16 * 1024);
    const body = await store.get('media/med_a/source');
    assert.equal(body?.length, bytes);
    assert.equal(body?.[16 * 1024 * 3], 3);
    assert.equal((await store.open('media/med_a/source'))?.contentType, 'application/octet-stream');
  });

  it('stops at the limit mid-stream, or up front when the declared length is over, and keeps nothing', async () => {
    const over = store.putStream('media/med_b/source', chunks(10, 1000), { ...OPTIONS, maxBytes: 5500 });
    await assert.rejects(over, (err: unknown) => err instanceof StreamplaneError && err.code === 'payload_too_large');
    let pulled = 0;
    const counting = (async function* () {
      for await (const c of chunks(10, 1000)) {
        pulled++;
        yield c;
      }
    })();
    await assert.rejects(store.putStream('media/med_c/source', counting, { ...OPTIONS, maxBytes: 5500, contentLength: 10_000 }), StreamplaneError);
    assert.equal(pulled, 0, 'a declared length over the limit reads nothing');
    assert.equal(await store.get('media/med_b/source'), undefined);
    assert.deepEqual(await store.list('media/med_b/'), []);
    const left = await readdir(join(root, 'media'), { recursive: true });
    assert.deepEqual(left.filter((f) => f.includes('.tmp-')), [], 'no temp file is left behind');
  });

  it('keeps nothing when the body fails mid-way (the client went away)', async () => {
    const failing = (async function* () {
      yield new Uint8Array(100);
      throw new Error('aborted');
    })();
    await assert.rejects(store.putStream('media/med_d/source', failing, { ...OPTIONS, maxBytes: 10_000 }), /aborted/);
    assert.equal(await store.get('media/med_d/source'), undefined);
  });
});
