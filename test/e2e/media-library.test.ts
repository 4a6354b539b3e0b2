/**
 * The media library end to end on a real local plane with files made by ffmpeg: uploads are streamed to
 * the plane's signed upload URL, probed by real ffprobe and become `ready` with their facts, or `failed`
 * with the reason and their bytes gone; a file over the size limit is refused with 413 and nothing is
 * kept; a stream's fallback and slate accept only ready items, and an item in use cannot be deleted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

const run = promisify(execFile);
const CLI = new URL('../../bin/streamplane.mjs', import.meta.url).pathname;
const MAX_BYTES = 1024 * 1024;

interface MediaView {
  id: string;
  name: string;
  status: string;
  durationSeconds: number | null;
  kind: string | null;
  codecs: string[];
  bytes: number | null;
  error?: string;
  still?: boolean;
  upload?: { url: string; method: string; expiresAt: string };
}

/** PUTs `body` to `url` with node:http (a streamed body; Content-Length only when `length` is given). */
function put(url: string, body: Readable, length?: number): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: length !== undefined ? { 'content-length': String(length) } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    // The plane may answer (413) and close before the whole body was sent: that is the point.
    req.on('error', reject);
    body.on('error', () => req.destroy());
    body.pipe(req);
  });
}

describe('media library (real plane, real ffprobe)', () => {
  let t: TestPlane;
  let dir: string;
  const files: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamplane-media-e2e-'));
    const ff = (...args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
    files.mp3 = join(dir, 'tone.mp3');
    files.aac = join(dir, 'tone.m4a');
    files.mp4 = join(dir, 'clip.mp4');
    files.png = join(dir, 'slate.png');
    files.text = join(dir, 'notes.txt');
    files.big = join(dir, 'big.bin');
    await ff('-f', 'lavfi', '-i', 'sine=frequency=440:duration=6', '-c:a', 'libmp3lame', '-b:a', '64k', files.mp3);
    await ff('-f', 'lavfi', '-i', 'sine=frequency=660:duration=5', '-c:a', 'aac', '-b:a', '64k', files.aac);
    await ff('-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=25:duration=4', '-f', 'lavfi', '-i', 'sine=duration=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', files.mp4);
    await ff('-f', 'lavfi', '-i', 'color=c=navy:size=320x180', '-frames:v', '1', files.png);
    await writeFile(files.text, Array.from({ length: 200 }, (_, i) => `Line ${i}: this is plain text, not media.`).join('\n'));
    await writeFile(files.big, Buffer.alloc(MAX_BYTES + 300_000, 7));
    t = await startTestPlane({ env: { STREAMPLANE_MEDIA_MAX_BYTES: String(MAX_BYTES) } });
  });

  after(async () => {
    await t?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const create = async (name: string) => {
    const res = await t.api<MediaView>('POST', '/v1/media', { name });
    assert.equal(res.status, 201);
    assert.equal(res.body.status, 'uploading');
    assert.equal(res.body.upload?.method, 'PUT');
    return res.body;
  };
  const settled = (id: string) =>
    waitFor(`media ${id} settled`, async () => {
      const res = await t.api<MediaView>('GET', `/v1/media/${id}`);
      return res.body.status !== 'uploading' ? res.body : undefined;
    }, { timeoutMs: 60_000 });
  const upload = async (name: string, path: string) => {
    const created = await create(name);
    const size = (await stat(path)).size;
    const res = await put(created.upload!.url, createReadStream(path), size);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.bytes, size);
    return settled(created.id);
  };
  const storedFile = (id: string) => join(t.dataDir, 'media', 'media', id, 'source');
  const durationOf = async (path: string) => Number((await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path])).stdout.trim());

  const ready: Record<string, MediaView> = {};

  it('probes an MP3, an AAC and an MP4 into ready items with their kind, codecs and duration', async () => {
    for (const [key, kind, codecs] of [
      ['mp3', 'audio', ['mp3']],
      ['aac', 'audio', ['aac']],
      ['mp4', 'video', ['h264', 'aac']],
    ] as const) {
      const item = await upload(`${key} file`, files[key]!);
      assert.equal(item.status, 'ready', `${key}: ${item.error ?? ''}`);
      assert.equal(item.kind, kind);
      assert.deepEqual(item.codecs, codecs);
      assert.equal(item.bytes, (await stat(files[key]!)).size);
      const expected = await durationOf(files[key]!);
      assert.ok(Math.abs((item.durationSeconds ?? 0) - expected) <= expected * 0.05, `${key}: ${item.durationSeconds} s vs ${expected} s`);
      ready[key] = item;
    }
    const png = await upload('slate picture', files.png!);
    assert.equal(png.status, 'ready');
    assert.equal(png.still, true);
    assert.equal(png.durationSeconds, 0);
    ready.png = png;

    const list = await t.api<{ items: MediaView[]; next?: string }>('GET', '/v1/media?limit=2');
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 2);
    const rest = await t.api<{ items: MediaView[]; next?: string }>('GET', `/v1/media?limit=100&cursor=${list.body.next}`);
    assert.deepEqual([...list.body.items, ...rest.body.items].map((m) => m.id), [ready.png.id, ready.mp4!.id, ready.aac!.id, ready.mp3!.id]);

    const events = await t.api<{ items: Array<{ type: string; data: { mediaId: string } }> }>('GET', '/v1/events?type=media.ready&limit=10');
    assert.deepEqual(new Set(events.body.items.map((e) => e.data.mediaId)), new Set([ready.mp3!.id, ready.aac!.id, ready.mp4!.id, ready.png.id]));
  });

  it('fails a text file as "not media" and deletes its bytes', async () => {
    const item = await upload('not a song', files.text!);
    assert.equal(item.status, 'failed');
    assert.match(item.error ?? '', /^not media/);
    assert.equal(existsSync(storedFile(item.id)), false, 'the bytes are gone');
    const events = await t.api<{ items: Array<{ type: string; data: { mediaId: string; reason: string } }> }>('GET', '/v1/events?type=media.failed&limit=10');
    assert.ok(events.body.items.some((e) => e.data.mediaId === item.id && e.data.reason === 'not_media'));
  });

  it('refuses a file over STREAMPLANE_MEDIA_MAX_BYTES with 413 and keeps nothing, declared or streamed', async () => {
    const declared = await create('too big, declared');
    const size = (await stat(files.big!)).size;
    const first = await put(declared.upload!.url, createReadStream(files.big!), size);
    assert.equal(first.status, 413);
    assert.equal(first.body.code, 'payload_too_large');

    // No Content-Length: the limit is found while streaming, mid-body.
    const streamed = await create('too big, chunked');
    const second = await put(streamed.upload!.url, createReadStream(files.big!));
    assert.equal(second.status, 413);
    assert.equal(second.body.code, 'payload_too_large');

    for (const id of [declared.id, streamed.id]) {
      const item = await settled(id);
      assert.equal(item.status, 'failed');
      assert.match(item.error ?? '', /^too large/);
      assert.equal(existsSync(storedFile(id)), false);
    }
    const folder = join(t.dataDir, 'media', 'media');
    const leftovers = (await readdir(folder, { recursive: true })).filter((f) => f.includes('.tmp-'));
    assert.deepEqual(leftovers, [], 'no temp file is left behind');
  });

  it('refuses a tampered or reused upload URL with 403 / 409 and keeps the item as it was', async () => {
    const item = await create('tampered');
    const url = new URL(item.upload!.url);
    // One character in the middle flipped: the last one of a base64url digest may only carry padding bits.
    const token = url.searchParams.get('token')!;
    const at = Math.floor(token.length / 2);
    url.searchParams.set('token', `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`);
    const forged = await put(url.toString(), Readable.from([Buffer.from('x')]), 1);
    assert.equal(forged.status, 403);
    assert.equal(forged.body.code, 'forbidden');
    const other = new URL(item.upload!.url);
    other.pathname = `/uploads/media/${ready.mp3!.id}`;
    const elsewhere = await put(other.toString(), Readable.from([Buffer.from('x')]), 1);
    assert.equal(elsewhere.status, 403, 'a token is bound to its item');
    assert.equal((await t.api<MediaView>('GET', `/v1/media/${item.id}`)).body.status, 'uploading');

    const again = await put(new URL(`/uploads/media/${ready.mp3!.id}`, t.base).toString(), Readable.from([Buffer.from('x')]), 1);
    assert.equal(again.status, 403, 'no token, no upload');
  });

  it('takes ready items as a stream fallback and slate, refuses the rest, and keeps an item in use from deletion', async () => {
    const pending = await create('still uploading');
    const created = await t.api<Record<string, unknown>>('POST', '/v1/streams', {
      name: '24-7 radio',
      fallback: { mediaIds: [ready.mp3!.id, ready.aac!.id], order: 'shuffle' },
      slateMediaId: ready.png!.id,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.deepEqual(created.body.fallback, { mediaIds: [ready.mp3!.id, ready.aac!.id], order: 'shuffle' });
    assert.equal(created.body.slateMediaId, ready.png!.id);
    assert.equal(created.body.reconnectSlate, true);

    const unknown = await t.api<Record<string, unknown>>('PATCH', `/v1/streams/${id}`, { fallback: { mediaIds: ['med_aaaaaaaaaaaaaaaaaaaa'] } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, 'unknown_media');
    const notReady = await t.api<Record<string, unknown>>('PATCH', `/v1/streams/${id}`, { fallback: { mediaIds: [pending.id] } });
    assert.equal(notReady.status, 409);
    assert.equal(notReady.body.code, 'media_not_ready');
    const tooMany = await t.api<Record<string, unknown>>('PATCH', `/v1/streams/${id}`, { fallback: { mediaIds: Array.from({ length: 51 }, () => ready.mp3!.id) } });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.code, 'validation');
    const picture = await t.api<Record<string, unknown>>('PATCH', `/v1/streams/${id}`, { fallback: { mediaIds: [ready.png!.id] } });
    assert.equal(picture.status, 400, 'a still picture is a slate, not a fallback clip');

    const got = await t.api<Record<string, unknown>>('GET', `/v1/streams/${id}`);
    assert.deepEqual(got.body.fallback, { mediaIds: [ready.mp3!.id, ready.aac!.id], order: 'shuffle' }, 'refused patches changed nothing');

    const inUse = await t.api<Record<string, unknown>>('DELETE', `/v1/media/${ready.aac!.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.code, 'in_use');
    const slateInUse = await t.api<Record<string, unknown>>('DELETE', `/v1/media/${ready.png!.id}`);
    assert.equal(slateInUse.body.code, 'in_use');

    const patched = await t.api<Record<string, unknown>>('PATCH', `/v1/streams/${id}`, { fallback: { mediaIds: [ready.mp4!.id] }, slateMediaId: null, reconnectSlate: false });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.fallback, { mediaIds: [ready.mp4!.id], order: 'sequential' });
    assert.equal(patched.body.slateMediaId, null);
    assert.equal(patched.body.reconnectSlate, false);

    const deleted = await t.api('DELETE', `/v1/media/${ready.aac!.id}`);
    assert.equal(deleted.status, 204);
    assert.equal((await t.api('GET', `/v1/media/${ready.aac!.id}`)).status, 404);
    assert.equal(existsSync(storedFile(ready.aac!.id)), false);
  });

  it('CLI: `media upload FILE` streams, waits and prints the item; `streams update --fallback`; list, get, delete', async () => {
    const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, STREAMPLANE_API_URL: t.base, STREAMPLANE_API_TOKEN: t.plane.apiToken } });
    const uploaded = JSON.parse((await cli('media', 'upload', files.mp3!, '--name', 'cli tone')).stdout) as MediaView;
    assert.equal(uploaded.status, 'ready');
    assert.equal(uploaded.name, 'cli tone');
    assert.equal(uploaded.kind, 'audio');

    const refused = await cli('media', 'upload', files.text!).then(
      () => assert.fail('a failed item exits non-zero'),
      (err: { code: number; stdout: string }) => err,
    );
    assert.equal(refused.code, 1);
    assert.match((JSON.parse(refused.stdout) as MediaView).error ?? '', /^not media/);

    const stream = await t.api<{ id: string }>('POST', '/v1/streams', { name: 'cli channel' });
    const updated = JSON.parse((await cli('streams', 'update', stream.body.id, '--fallback', `${uploaded.id},${ready.mp4!.id}`, '--order', 'shuffle')).stdout) as Record<string, unknown>;
    assert.deepEqual(updated.fallback, { mediaIds: [uploaded.id, ready.mp4!.id], order: 'shuffle' });

    const got = JSON.parse((await cli('media', 'get', uploaded.id)).stdout) as MediaView;
    assert.equal(got.id, uploaded.id);
    const listed = JSON.parse((await cli('media', 'list', '--limit', '100')).stdout) as { items: MediaView[] };
    assert.ok(listed.items.some((m) => m.id === uploaded.id));
    const inUse = await cli('media', 'delete', uploaded.id).then(
      () => assert.fail('in use'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /in_use/);
    await cli('streams', 'update', stream.body.id, '--fallback', 'none');
    await cli('media', 'delete', uploaded.id);
    assert.equal((await t.api('GET', `/v1/media/${uploaded.id}`)).status, 404);
  });
});
