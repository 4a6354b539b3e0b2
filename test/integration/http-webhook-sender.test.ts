/**
 * The HTTP sender against real local servers: a hostile or slow receiver costs at most the timeout and
 * the capped read, redirects are not followed, private addresses are refused in cloud mode (after DNS,
 * whatever the name), and the connection goes to the address that was checked (no DNS rebinding).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MAX_RESPONSE_BYTES, HttpWebhookSender, type HostResolver } from '../../adapters/http-webhook-sender';
import { CLOUD_URL_POLICY, LOCAL_URL_POLICY } from '../../core/webhooks/url-policy';

const BODY = JSON.stringify({ id: 'evt_aaaaaaaaaaaaaaaaaaaa', type: 'stream.live' });
const HEADERS = { 'content-type': 'application/json', 'webhook-id': 'evt_aaaaaaaaaaaaaaaaaaaa' };

interface Seen {
  path: string;
  host: string | undefined;
  headers: IncomingHttpHeaders;
}

async function listen(server: Server | HttpsServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

async function shut(server: Server | HttpsServer): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe('HTTP webhook sender', () => {
  const seen: Seen[] = [];
  const pending = new Set<import('node:http').ServerResponse>();
  let server: Server;
  let port: number;
  let other: Server;
  let otherPort: number;
  let otherHits = 0;
  const local = new HttpWebhookSender({ policy: LOCAL_URL_POLICY });
  const cloud = new HttpWebhookSender({ policy: CLOUD_URL_POLICY });

  const routes: Record<string, RequestListener> = {
    '/ok': (_req, res) => res.writeHead(204).end(),
    '/not-found': (_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such hook\u0000\u0007 here'),
    '/hang': (_req, res) => void pending.add(res),
    '/redirect': (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/stolen` }).end(),
    '/huge-error': (_req, res) => {
      // 10 MiB answer: the sender must stop reading long before the end.
      res.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < 160 && res.write(chunk)) sent++;
        if (sent < 160) res.once('drain', pump);
        else res.end();
      };
      res.on('error', () => undefined);
      pump();
    },
    '/slow-body': (_req, res) => {
      // 200 at once, then a body that never ends: the status decides, the body is not waited for.
      res.writeHead(200);
      res.write('a');
      pending.add(res);
    },
  };

  before(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] as string;
      req.resume();
      req.on('end', () => {
        seen.push({ path, host: req.headers.host, headers: req.headers });
        const route = routes[path];
        if (route) route(req, res);
        else res.writeHead(418).end();
      });
    });
    port = await listen(server);
    other = createServer((_req, res) => {
      otherHits++;
      res.writeHead(200).end();
    });
    otherPort = await listen(other);
  });

  after(async () => {
    for (const res of pending) res.destroy();
    local.close();
    cloud.close();
    await shut(server);
    await shut(other);
  });

  const send = (sender: HttpWebhookSender, url: string, timeoutMs = 2_000) => sender.send({ url, headers: HEADERS, body: BODY, timeoutMs });

  it('reports a 2xx as success with its status and latency', async () => {
    const result = await send(local, `http://127.0.0.1:${port}/ok`);
    assert.equal(result.ok, true);
    assert.equal(result.statusCode, 204);
    assert.ok(result.latencyMs >= 0 && result.latencyMs < 2_000);
    const request = seen.find((s) => s.path === '/ok');
    assert.equal(request?.headers['webhook-id'], 'evt_aaaaaaaaaaaaaaaaaaaa');
    assert.equal(request?.headers['content-length'], String(Buffer.byteLength(BODY)));
  });

  it('reports other statuses as failures with a short, printable excerpt of the answer', async () => {
    const result = await send(local, `http://127.0.0.1:${port}/not-found`);
    assert.equal(result.ok, false);
    assert.equal(result.statusCode, 404);
    assert.equal(result.error?.code, 'http_status');
    assert.equal(result.error?.message, 'The endpoint answered HTTP 404: no such hook here');
  });

  it('gives up on a receiver that never answers when the timeout ends', async () => {
    const started = Date.now();
    const result = await send(local, `http://127.0.0.1:${port}/hang`, 300);
    const took = Date.now() - started;
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'timeout');
    assert.ok(took >= 290 && took < 1_500, `took ${took} ms`);
  });

  it('does not wait for a body that never ends once a 2xx status has arrived', async () => {
    const result = await send(local, `http://127.0.0.1:${port}/slow-body`, 300);
    assert.equal(result.ok, true);
    assert.equal(result.statusCode, 200);
  });

  it('reads at most the capped number of bytes of a huge answer', async () => {
    const started = Date.now();
    const result = await send(local, `http://127.0.0.1:${port}/huge-error`, 5_000);
    assert.equal(result.ok, false);
    assert.equal(result.statusCode, 500);
    assert.ok((result.responseBytes ?? Infinity) <= DEFAULT_MAX_RESPONSE_BYTES + 64 * 1024, `read ${result.responseBytes} bytes`);
    assert.ok(Date.now() - started < 5_000, 'stopped early instead of reading 10 MiB or timing out');
    assert.ok((result.error?.message.length ?? 0) < 300);
  });

  it('does not follow redirects', async () => {
    const result = await send(local, `http://127.0.0.1:${port}/redirect`);
    assert.equal(result.ok, false);
    assert.equal(result.statusCode, 302);
    assert.equal(result.error?.code, 'redirect');
    assert.equal(otherHits, 0, 'the redirect target was never contacted');
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    const closedPort = await listen(closed);
    await shut(closed);
    const result = await send(local, `http://127.0.0.1:${closedPort}/x`);
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'connect');
  });

  it('refuses private and loopback addresses in cloud mode, literal or resolved, before connecting', async () => {
    const before = seen.length;
    const literal = await send(cloud, `http://127.0.0.1:${port}/ok`);
    assert.equal(literal.error?.code, 'address_not_allowed');
    const mapped = await send(cloud, `http://[::ffff:127.0.0.1]:${port}/ok`);
    assert.equal(mapped.error?.code, 'address_not_allowed');

    const toLoopback: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const named = new HttpWebhookSender({ policy: CLOUD_URL_POLICY, resolve: toLoopback });
    const mixed = new HttpWebhookSender({
      policy: CLOUD_URL_POLICY,
      resolve: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ],
    });
    try {
      assert.equal((await send(named, `http://hooks.example.test:${port}/ok`)).error?.code, 'address_not_allowed');
      assert.equal((await send(mixed, `http://hooks.example.test:${port}/ok`)).error?.code, 'address_not_allowed', 'one private address among public ones is enough to refuse');
    } finally {
      named.close();
      mixed.close();
    }
    assert.equal(seen.length, before, 'nothing reached the receiver');
  });

  it('connects to exactly the address it checked, resolving once (no DNS rebinding)', async () => {
    let lookups = 0;
    // A rebinding resolver: harmless answer first, the metadata service on every later lookup.
    const rebinding: HostResolver = async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }]);
    const sender = new HttpWebhookSender({ policy: LOCAL_URL_POLICY, resolve: rebinding });
    try {
      const result = await send(sender, `http://hooks.example.test:${port}/ok`);
      assert.equal(result.ok, true);
      assert.equal(result.address, '127.0.0.1');
      assert.equal(lookups, 1);
      assert.equal(seen.at(-1)?.host, `hooks.example.test:${port}`, 'the Host header keeps the name');
    } finally {
      sender.close();
    }
  });

  it('reports names that do not resolve, and resolvers that take too long', async () => {
    const nowhere = new HttpWebhookSender({ policy: LOCAL_URL_POLICY, resolve: async () => Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' })) });
    let stalled: NodeJS.Timeout | undefined;
    const slow = new HttpWebhookSender({ policy: LOCAL_URL_POLICY, resolve: () => new Promise((resolve) => (stalled = setTimeout(() => resolve([]), 5_000))) });
    try {
      assert.equal((await send(nowhere, 'http://nowhere.example.test/x')).error?.code, 'dns');
      assert.equal((await send(slow, 'http://slow.example.test/x', 200)).error?.code, 'timeout');
    } finally {
      clearTimeout(stalled);
      nowhere.close();
      slow.close();
    }
  });

  it('refuses URLs that are not http(s) or carry credentials without sending anything', async () => {
    assert.equal((await send(local, 'ftp://127.0.0.1/x')).error?.code, 'invalid_url');
    assert.equal((await send(local, `http://u:p@127.0.0.1:${port}/ok`)).error?.code, 'invalid_url');
  });
});

describe('HTTP webhook sender over TLS', () => {
  let dir: string;
  let server: HttpsServer;
  let port: number;
  let cert: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sp-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=hooks.example.test', '-addext', 'subjectAltName=DNS:hooks.example.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    server = createHttpsServer({ key: await readFile(join(dir, 'key.pem')), cert }, (req, res) => {
      req.resume();
      res.writeHead(200).end();
    });
    port = await listen(server);
  });

  after(async () => {
    await shut(server);
    await rm(dir, { recursive: true, force: true });
  });

  const toLoopback: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];

  it('verifies the certificate against the host name while connecting to the pinned address', async () => {
    const trusting = new HttpWebhookSender({ policy: LOCAL_URL_POLICY, resolve: toLoopback, ca: cert });
    try {
      const ok = await trusting.send({ url: `https://hooks.example.test:${port}/x`, headers: HEADERS, body: BODY, timeoutMs: 2_000 });
      assert.equal(ok.ok, true, JSON.stringify(ok.error));
      const wrongName = await trusting.send({ url: `https://other.example.test:${port}/x`, headers: HEADERS, body: BODY, timeoutMs: 2_000 });
      assert.equal(wrongName.error?.code, 'tls', 'a certificate for another name is refused');
    } finally {
      trusting.close();
    }
  });

  it('refuses an untrusted certificate', async () => {
    const sender = new HttpWebhookSender({ policy: LOCAL_URL_POLICY, resolve: toLoopback });
    try {
      const result = await sender.send({ url: `https://hooks.example.test:${port}/x`, headers: HEADERS, body: BODY, timeoutMs: 2_000 });
      assert.equal(result.ok, false);
      assert.equal(result.error?.code, 'tls');
    } finally {
      sender.close();
    }
  });
});
