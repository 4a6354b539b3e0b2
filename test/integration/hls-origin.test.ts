import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsObjectStore } from '../../adapters/fs-object-store';
import type { ObjectStore, StoredObject } from '../../core/ports/object-store';
import { createHlsOrigin, HlsOrigin, keyFromPath, type HlsOriginHandler } from '../../local/http/hls-origin';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends the path exactly as given (no client-side normalisation), like a hostile client would. */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function listen(handler: HlsOriginHandler): Promise<Server> {
  const server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    handler(req, res, pathname)
      .then((handled) => {
        if (!handled) {
          res.statusCode = 418; // "someone else's route": proves the origin declined
          res.end();
        }
      })
      .catch(() => {
        res.statusCode = 599;
        res.end();
      });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const SEGMENT = Buffer.from(Array.from({ length: 188 * 10 }, (_, i) => i % 256));
const PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\n0.ts\n';

describe('HLS origin over FsObjectStore', () => {
  let dir: string;
  let server: Server;
  let port: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sp-origin-'));
    const store = new FsObjectStore(join(dir, 'root'));
    await store.put('live/st_a/720p/0.ts', SEGMENT, { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' });
    await store.put('live/st_a/720p/index.m3u8', PLAYLIST, { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=1' });
    await store.put('vod/st_a/movie.mp4', SEGMENT, { contentType: 'video/mp4', cacheControl: 'public, max-age=31536000, immutable' });
    await store.put('live/st_a/notes.json', '{}', { contentType: 'application/json', cacheControl: 'no-store' });
    await writeFile(join(dir, 'secret.ts'), 'outside the root');
    server = await listen(createHlsOrigin({ source: store, prefixes: ['live', 'vod'] }));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves playlists as short-lived and segments as immutable, with CORS', async () => {
    const playlist = await send(port, 'GET', '/live/st_a/720p/index.m3u8');
    assert.equal(playlist.status, 200);
    assert.equal(playlist.headers['content-type'], 'application/vnd.apple.mpegurl');
    assert.equal(playlist.headers['cache-control'], 'public, max-age=1');
    assert.equal(playlist.headers['access-control-allow-origin'], '*');
    assert.equal(playlist.headers['content-length'], String(Buffer.byteLength(PLAYLIST)));
    assert.equal(playlist.body.toString(), PLAYLIST);

    const segment = await send(port, 'GET', '/live/st_a/720p/0.ts');
    assert.equal(segment.status, 200);
    assert.equal(segment.headers['content-type'], 'video/mp2t');
    assert.equal(segment.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(segment.headers['accept-ranges'], 'bytes');
    assert.ok(segment.headers.etag);
    assert.deepEqual(segment.body, SEGMENT);
  });

  it('answers HEAD with headers only', async () => {
    const head = await send(port, 'HEAD', '/vod/st_a/movie.mp4');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-type'], 'video/mp4');
    assert.equal(head.headers['content-length'], String(SEGMENT.length));
    assert.equal(head.body.length, 0);
  });

  it('serves byte ranges (AVPlayer reads mp4 in ranges) and refuses unsatisfiable ones', async () => {
    const middle = await send(port, 'GET', '/vod/st_a/movie.mp4', { Range: 'bytes=100-199' });
    assert.equal(middle.status, 206);
    assert.equal(middle.headers['content-range'], `bytes 100-199/${SEGMENT.length}`);
    assert.equal(middle.headers['content-length'], '100');
    assert.deepEqual(middle.body, SEGMENT.subarray(100, 200));

    const tail = await send(port, 'GET', '/live/st_a/720p/0.ts', { Range: 'bytes=-10' });
    assert.equal(tail.status, 206);
    assert.deepEqual(tail.body, SEGMENT.subarray(SEGMENT.length - 10));

    const open = await send(port, 'GET', '/live/st_a/720p/0.ts', { Range: 'bytes=1800-' });
    assert.deepEqual(open.body, SEGMENT.subarray(1800));

    const beyond = await send(port, 'GET', '/live/st_a/720p/0.ts', { Range: `bytes=${SEGMENT.length}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers['content-range'], `bytes */${SEGMENT.length}`);

    const multi = await send(port, 'GET', '/live/st_a/720p/0.ts', { Range: 'bytes=0-1,5-6' });
    assert.equal(multi.status, 200, 'multiple ranges are ignored, not half-served');
    assert.equal(multi.body.length, SEGMENT.length);
  });

  it('revalidates with ETags', async () => {
    const first = await send(port, 'GET', '/live/st_a/720p/index.m3u8');
    const again = await send(port, 'GET', '/live/st_a/720p/index.m3u8', { 'If-None-Match': String(first.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  it('answers CORS preflight', async () => {
    const pre = await send(port, 'OPTIONS', '/live/st_a/720p/index.m3u8', { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], '*');
    assert.match(String(pre.headers['access-control-allow-methods']), /GET, HEAD, OPTIONS/);
    assert.match(String(pre.headers['access-control-allow-headers']), /Range/);
    assert.match(String(pre.headers['access-control-expose-headers']), /Content-Range/);
  });

  it('404s missing objects and extensions it does not serve, 405s other methods', async () => {
    assert.equal((await send(port, 'GET', '/live/st_a/720p/99.ts')).status, 404);
    assert.equal((await send(port, 'GET', '/live/st_a/notes.json')).status, 404);
    assert.equal((await send(port, 'GET', '/live/st_a/720p')).status, 404);
    const post = await send(port, 'POST', '/live/st_a/720p/0.ts');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD, OPTIONS');
  });

  it('declines paths outside its prefixes so other routes can answer', async () => {
    assert.equal((await send(port, 'GET', '/v1/streams')).status, 418);
    assert.equal((await send(port, 'GET', '/recordings/st_a/0.ts')).status, 418, 'recordings is not configured here');
    assert.equal((await send(port, 'GET', '/%6Cive/st_a/720p/0.ts')).status, 418);
  });

  it('refuses traversal and hostile paths without reading outside the root', async () => {
    const hostile = [
      '/live/../secret.ts',
      '/live/st_a/../../secret.ts',
      '/live/%2e%2e/%2e%2e/secret.ts',
      '/live/%2E%2E%2Fsecret.ts',
      '/live/st_a/..%5csecret.ts',
      '/live/st_a\\..\\..\\secret.ts',
      '/live/st_a/720p/0.ts%00.m3u8',
      '/live/.meta/live/st_a/720p/0.ts.json',
      '/live//st_a/720p/0.ts',
      '/live/st_a/%E0%A4%A.ts',
    ];
    for (const path of hostile) {
      const reply = await send(port, 'GET', path);
      assert.ok(reply.status === 400 || reply.status === 404, `${path} -> ${reply.status}`);
      assert.ok(!reply.body.toString().includes('outside the root'), path);
    }
    assert.equal(keyFromPath('/live/%252e%252e/x.ts'), 'live/%2e%2e/x.ts', 'decoded once: a literal name, not a traversal');
  });
});

describe('HLS origin over any ObjectStore', () => {
  it('serves through get() with extension-derived headers', async () => {
    const objects = new Map<string, Uint8Array>([['live/st_b/audio/3.ts', new Uint8Array(SEGMENT)]]);
    const store: ObjectStore = {
      put: async () => {},
      get: async (key) => objects.get(key),
      list: async (): Promise<StoredObject[]> => [],
      delete: async () => {},
    };
    const server = await listen(createHlsOrigin({ source: store }));
    try {
      const port = (server.address() as AddressInfo).port;
      const whole = await send(port, 'GET', '/live/st_b/audio/3.ts');
      assert.equal(whole.status, 200);
      assert.equal(whole.headers['content-type'], 'video/mp2t');
      assert.equal(whole.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.deepEqual(whole.body, SEGMENT);
      const part = await send(port, 'GET', '/live/st_b/audio/3.ts', { Range: 'bytes=0-187' });
      assert.equal(part.status, 206);
      assert.deepEqual(part.body, SEGMENT.subarray(0, 188));
      assert.equal((await send(port, 'GET', '/live/st_b/audio/4.ts')).status, 404);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('HlsOrigin (class form used by the local plane)', () => {
  it('streams from a folder given as rootDir, with prefixes written as `live/`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sp-origin-class-'));
    const store = new FsObjectStore(dir);
    await store.put('live/st_c/master.m3u8', '#EXTM3U\n', { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=1' });
    const origin = new HlsOrigin({ objectStore: store, rootDir: dir, prefixes: ['live/', 'recordings/'] });
    const server = await listen(origin.handle);
    try {
      const port = (server.address() as AddressInfo).port;
      const master = await send(port, 'GET', '/live/st_c/master.m3u8');
      assert.equal(master.status, 200);
      assert.equal(master.body.toString(), '#EXTM3U\n');
      assert.equal((await send(port, 'GET', '/recordings/st_c/x.mp4')).status, 404);
      assert.equal((await send(port, 'GET', '/vod/st_c/x.mp4')).status, 418);
      assert.throws(() => new HlsOrigin({ objectStore: store, prefixes: ['../live'] }), TypeError);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
