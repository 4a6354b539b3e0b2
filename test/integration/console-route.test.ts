/**
 * The local plane's console route on a real HTTP server: the built files with revalidation (ETag, 304),
 * SPA paths to index.html, config.json naming the playback base, `/` redirected, a 503 with Retry-After
 * while the bundle is being built, and a problem saying what to do when it cannot be built — never a crash.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConsoleRoute } from '../../local/http/console-route';

async function serve(route: ReturnType<typeof createConsoleRoute>['route']): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    void route(req, res, new URL(req.url ?? '/', 'http://x')).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('console route', () => {
  let cacheDir: string;
  let server: Server;
  let base: string;
  before(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'console-cache-'));
    const route = createConsoleRoute({ cacheDir, playbackBase: 'http://cdn.example/' });
    await route.ready;
    ({ server, base } = await serve(route.route));
  });
  after(async () => {
    await close(server);
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('serves the bundle with an ETag and answers 304 to a revalidation', async () => {
    const js = await fetch(`${base}/console/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type')!, /javascript/);
    const etag = js.headers.get('etag')!;
    assert.ok((await js.arrayBuffer()).byteLength > 10_000);
    assert.equal((await fetch(`${base}/console/app.js`, { headers: { 'if-none-match': etag } })).status, 304);
    const head = await fetch(`${base}/console/app.css`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers.get('content-length')) > 100);
  });

  it('answers app paths with index.html, names the playback base in config.json, and redirects /', async () => {
    for (const path of ['/console/', '/console/streams/st_abc', '/console/webhooks', '/watch/st_abc']) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      assert.match(await res.text(), /<div id="app">/);
    }
    const config = (await (await fetch(`${base}/console/config.json`)).json()) as Record<string, string>;
    assert.deepEqual(config, { apiBase: '', playbackBase: 'http://cdn.example' });
    const csp = (await fetch(`${base}/watch/st_abc`)).headers.get('content-security-policy')!;
    assert.match(csp, /media-src 'self' http:\/\/cdn\.example blob:/);
    assert.match(csp, /img-src 'self' http:\/\/cdn\.example data: blob:/, 'thumbnails load from the playback origin');
    for (const path of ['/', '/console']) {
      const res = await fetch(base + path, { redirect: 'manual' });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/console/');
    }
    assert.equal((await fetch(`${base}/watch/../../etc/passwd`)).status, 404);
    assert.equal((await fetch(`${base}/other`)).status, 404, 'other paths are left to the next route');
  });

  it('reuses the cached build on the next start', async () => {
    const { buildConsole } = await import('../../console/build');
    const second = await buildConsole(cacheDir);
    assert.equal(second.cached, true);
  });

  it('answers 503 while building and a problem naming the fix when esbuild is missing; the route keeps working', async () => {
    let finish!: () => void;
    const slow = createConsoleRoute({
      cacheDir,
      playbackBase: 'http://x',
      build: () =>
        new Promise((_resolve, reject) => {
          finish = () => reject(Object.assign(new Error("Cannot find package 'esbuild' imported from console/build.ts"), { code: 'ERR_MODULE_NOT_FOUND' }));
        }),
    });
    const { server: s, base: b } = await serve(slow.route);
    try {
      const starting = await fetch(`${b}/console/`);
      assert.equal(starting.status, 503);
      assert.equal(starting.headers.get('retry-after'), '1');
      finish();
      await slow.ready;
      const failed = await fetch(`${b}/console/`);
      assert.equal(failed.status, 503);
      assert.equal(failed.headers.get('content-type'), 'application/problem+json');
      assert.match(((await failed.json()) as { detail: string }).detail, /npm ci/);
      assert.equal((await fetch(`${b}/console/config.json`)).status, 200);
    } finally {
      await close(s);
    }
  });
});
