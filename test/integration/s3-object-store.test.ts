/**
 * The S3 object store against a real S3-compatible server (s3rver) on a free loopback port: what the
 * packager writes comes back byte for byte with its content type and cache control, listings are ordered
 * and confined to the prefix, batch deletes remove exactly what was named, a segment file is adopted
 * (streamed from disk, then removed), and hostile keys are refused before any request is made.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ValidationError } from '../../core/errors';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { startTestS3, type TestS3 } from '../support/local-s3';

const BUCKET = 'streamplane-media';

let s3: TestS3;
let client: S3Client;
let scratch: string;

before(async () => {
  s3 = await startTestS3(BUCKET);
  client = s3.client;
  scratch = await mkdtemp(join(tmpdir(), 'sp-s3-adopt-'));
});

after(async () => {
  await s3.stop();
  await rm(scratch, { recursive: true, force: true });
});

const onScratch = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('S3ObjectStore', () => {
  it('stores a segment and a playlist with the content type and cache control the packager chose', async () => {
    const store = new S3ObjectStore({ bucket: BUCKET, client });
    const segment = new Uint8Array([0x47, 0x40, 0x11, 0x10, 0x00, 0xff, 0x00]);
    await store.put('live/st_a/720p/000001.ts', segment, { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' });
    await store.put('live/st_a/720p/index.m3u8', '#EXTM3U\n', { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=1' });

    assert.deepEqual(await store.get('live/st_a/720p/000001.ts'), segment);
    assert.equal(new TextDecoder().decode(await store.get('live/st_a/720p/index.m3u8')), '#EXTM3U\n');
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'live/st_a/720p/index.m3u8' }));
    assert.equal(head.ContentType, 'application/vnd.apple.mpegurl');
    assert.equal(head.CacheControl, 'public, max-age=1');
  });

  it('replaces an object in place (playlists are rewritten every segment)', async () => {
    const store = new S3ObjectStore({ bucket: BUCKET, client });
    await store.put('live/st_b/master.m3u8', 'one', { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'no-cache' });
    await store.put('live/st_b/master.m3u8', 'two', { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'no-cache' });
    assert.equal(new TextDecoder().decode(await store.get('live/st_b/master.m3u8')), 'two');
  });

  it('answers undefined for a missing key', async () => {
    assert.equal(await new S3ObjectStore({ bucket: BUCKET, client }).get('live/nothing/here.ts'), undefined);
  });

  it('lists only under the prefix, in key order, with sizes', async () => {
    const store = new S3ObjectStore({ bucket: BUCKET, client });
    for (const key of ['live/st_c/b.ts', 'live/st_c/a.ts', 'live/st_cd/x.ts', 'recordings/st_c/a.ts']) {
      await store.put(key, key, { contentType: 'video/mp2t', cacheControl: 'no-cache' });
    }
    assert.deepEqual(await store.list('live/st_c/'), [
      { key: 'live/st_c/a.ts', size: 'live/st_c/a.ts'.length },
      { key: 'live/st_c/b.ts', size: 'live/st_c/b.ts'.length },
    ]);
    assert.deepEqual((await store.list('live/st_c')).map((o) => o.key), ['live/st_c/a.ts', 'live/st_c/b.ts', 'live/st_cd/x.ts']);
  });

  // Listings longer than one page are covered in test/unit/adapters/s3-object-store.test.ts: s3rver signs
  // continuation tokens with DES, which Node's OpenSSL 3 no longer offers, so truncated listings fail there.

  it('deletes exactly the named keys, and missing keys are no error', async () => {
    const store = new S3ObjectStore({ bucket: BUCKET, client });
    for (const key of ['live/st_d/1.ts', 'live/st_d/2.ts', 'live/st_d/3.ts']) await store.put(key, 'x', { contentType: 'video/mp2t', cacheControl: 'no-cache' });
    await store.delete(['live/st_d/1.ts', 'live/st_d/3.ts', 'live/st_d/never.ts']);
    assert.deepEqual((await store.list('live/st_d/')).map((o) => o.key), ['live/st_d/2.ts']);
  });

  it('keeps a store with a prefix inside its folder and strips it from listed keys', async () => {
    const tenant = new S3ObjectStore({ bucket: BUCKET, prefix: 'tenant-a/', client });
    await tenant.put('live/st_e/master.m3u8', 'm', { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'no-cache' });
    const raw = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'tenant-a/live/st_e/master.m3u8' }));
    assert.equal(await raw.Body?.transformToString(), 'm');
    assert.deepEqual((await tenant.list('live/st_e/')).map((o) => o.key), ['live/st_e/master.m3u8']);
  });

  it('adopts a finished segment file: its bytes stored with the options, the file removed from scratch', async () => {
    const store = new S3ObjectStore({ bucket: BUCKET, client });
    const file = join(scratch, 'seg_000001.ts');
    const segment = randomBytes(188 * 700);
    await writeFile(file, segment);
    const { mtimeMs } = await stat(file);

    const adopted = await store.adoptFile('live/st_f/720p/000001.ts', file, { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' });

    assert.deepEqual(adopted, { bytes: segment.length, modifiedAtMs: mtimeMs });
    assert.deepEqual(Buffer.from((await store.get('live/st_f/720p/000001.ts'))!), segment);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'live/st_f/720p/000001.ts' }));
    assert.equal(head.ContentType, 'video/mp2t');
    assert.equal(head.CacheControl, 'public, max-age=31536000, immutable');
    assert.equal(await onScratch(file), false, 'the adopted file left scratch');
  });

  it('adopts an empty file as an empty object, and stores nothing for a missing file or a folder', async () => {
    const store = new S3ObjectStore({ bucket: BUCKET, client });
    const empty = join(scratch, 'empty.ts');
    await writeFile(empty, '');
    assert.deepEqual(await store.adoptFile('live/st_g/empty.ts', empty, { contentType: 'video/mp2t', cacheControl: 'no-cache' }).then((a) => a?.bytes), 0);
    assert.equal((await store.get('live/st_g/empty.ts'))?.length, 0);

    const folder = join(scratch, 'a-folder');
    await mkdir(folder);
    assert.equal(await store.adoptFile('live/st_g/missing.ts', join(scratch, 'never-written.ts'), { contentType: 'video/mp2t', cacheControl: 'no-cache' }), undefined);
    assert.equal(await store.adoptFile('live/st_g/folder.ts', folder, { contentType: 'video/mp2t', cacheControl: 'no-cache' }), undefined);
    assert.deepEqual((await store.list('live/st_g/')).map((o) => o.key), ['live/st_g/empty.ts']);
    assert.equal(await onScratch(folder), true, 'a folder is never removed');
  });

  it('refuses hostile keys and bad configuration before any request', async () => {
    const store = new S3ObjectStore({ bucket: BUCKET, client });
    for (const key of ['../etc/passwd', 'live/../../x', '/absolute', 'live//double', 'live/.hidden', 'live/nul\u0000']) {
      await assert.rejects(store.put(key, 'x', { contentType: 'text/plain', cacheControl: 'no-cache' }), ValidationError, key);
    }
    await assert.rejects(store.delete(['live/ok.ts', 'live/../bad']), ValidationError);
    const file = join(scratch, 'kept.ts');
    await writeFile(file, 'segment');
    await assert.rejects(store.adoptFile('live/../../escape.ts', file, { contentType: 'video/mp2t', cacheControl: 'no-cache' }), ValidationError);
    assert.equal(await onScratch(file), true, 'a refused adoption leaves the file where it was');
    assert.throws(() => new S3ObjectStore({ bucket: 'Not_A_Bucket', client }), ValidationError);
    assert.throws(() => new S3ObjectStore({ bucket: BUCKET, prefix: 'no-slash', client }), /must end with "\/"/);
  });
});
