/**
 * The local HLS origin with signed playback on a real HTTP listener: playlists of a signed stream are
 * rewritten so every URI (variants, segments, init sections, parts, preload hints, rendition reports)
 * carries a derived token; HEAD and GET agree; a refusal is 403 problem+json before the object is read;
 * CORS names the token's allowed origin; and no log line ever contains a token.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decideAccess } from '../../core/playback/playback-access';
import { generatePlaybackKeyPair } from '../../core/playback/playback-key';
import { signViewerToken } from '../../core/playback/sign-token';
import type { Logger } from '../../core/ports/logger';
import { createHlsOrigin, redactToken } from '../../local/http/hls-origin';
import { MemoryObjectStore } from '../support/memory-object-store';

const STREAM = 'st_aaaaaaaaaaaaaaaaaaaa';
const REC = 'rec_aaaaaaaaaaaaaaaaaaaa';
const pair = generatePlaybackKeyPair(new Date());
const secret = Buffer.alloc(32, 7);

describe('HLS origin with signed playback', () => {
  const lines: string[] = [];
  const capture = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') } as Logger;
  const store = new MemoryObjectStore();
  let server: Server;
  let base: string;
  let reads = 0;

  before(async () => {
    await store.put(`live/${STREAM}/master.m3u8`, '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n', { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=1' });
    await store.put(
      `live/${STREAM}/360p/index.m3u8`,
      [
        '#EXTM3U',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXTINF:1.000,',
        `../../../recordings/${REC}/360p/1-1000-0.ts`,
        '#EXT-X-PART:DURATION=0.5,URI="part1.m4s"',
        '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part2.m4s"',
        '#EXT-X-RENDITION-REPORT:URI="../480p/index.m3u8",LAST-MSN=1',
        'https://elsewhere.example/ad.ts',
        '',
      ].join('\n'),
      { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=1' },
    );
    await store.put(`recordings/${REC}/360p/1-1000-0.ts`, 'SEGMENT', { contentType: 'video/mp2t', cacheControl: 'public, max-age=1' });
    const source = {
      open: async (key: string) => {
        reads++;
        const body = await store.get(key);
        if (!body) return undefined;
        const bytes = Buffer.from(body);
        const { Readable } = await import('node:stream');
        return { size: bytes.length, stream: () => Readable.from([bytes]), close: async () => {} };
      },
    };
    const handler = createHlsOrigin({
      source,
      logger,
      access: {
        secret,
        decide: (key, token, origin) =>
          decideAccess(key, token, origin, {
            policyOf: async () => 'signed',
            key: async (kid) => (kid === pair.key.id ? createPublicKey(pair.key.publicKey) : undefined),
            isRevoked: async () => false,
            secret,
            now: new Date(),
          }),
      },
    });
    server = createServer((req, res) => void handler(req, res, new URL(req.url ?? '/', 'http://x').pathname));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const token = (extra: { allowedOrigin?: string } = {}) =>
    signViewerToken({ privateKeyPem: pair.privateKey, kid: pair.key.id, sub: STREAM, now: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, viewerId: 'v1', ...extra });

  it('rewrites every URI of the playlists it serves, and leaves absolute URLs alone', async () => {
    const master = await (await fetch(`${base}/live/${STREAM}/master.m3u8?token=${token()}`)).text();
    const variant = master.split('\n').find((l) => l.startsWith('360p/')) as string;
    assert.match(variant, /^360p\/index\.m3u8\?token=sp1~/);
    const media = await fetch(`${base}/live/${STREAM}/${variant}`);
    assert.equal(media.status, 200);
    assert.equal(media.headers.get('cache-control'), 'private, no-store');
    const text = await media.text();
    for (const uri of ['URI="init.mp4?token=sp1~', `../../../recordings/${REC}/360p/1-1000-0.ts?token=sp1~`, 'URI="part1.m4s?token=sp1~', 'URI="part2.m4s?token=sp1~', 'URI="../480p/index.m3u8?token=sp1~']) {
      assert.ok(text.includes(uri), `${uri} in\n${text}`);
    }
    assert.ok(text.includes('\nhttps://elsewhere.example/ad.ts\n'), 'absolute URLs keep no token');
    const segment = text.split('\n').find((l) => l.startsWith('../../../recordings/')) as string;
    const body = await fetch(new URL(segment, `${base}/live/${STREAM}/360p/index.m3u8`));
    assert.equal(body.status, 200);
    assert.equal(await body.text(), 'SEGMENT');
    const head = await fetch(`${base}/live/${STREAM}/${variant}`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(text)));
  });

  it('refuses before reading the object, and sends the allowed origin in CORS', async () => {
    const before = reads;
    const refused = await fetch(`${base}/live/${STREAM}/master.m3u8`);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    assert.equal(refused.headers.get('cache-control'), 'no-store');
    assert.equal(reads, before, 'no object was opened for a refused request');
    const allowed = await fetch(`${base}/live/${STREAM}/master.m3u8?token=${token({ allowedOrigin: 'https://watch.example.com' })}`, { headers: { origin: 'https://watch.example.com' } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://watch.example.com');
    assert.equal(allowed.headers.get('vary'), 'Origin');
  });

  it('never logs a token', async () => {
    const jwt = token();
    await fetch(`${base}/live/${STREAM}/master.m3u8?token=${jwt.slice(0, -4)}AAAA`);
    await fetch(`${base}/live/${STREAM}/360p/index.m3u8?token=sp1~garbage`);
    assert.ok(lines.some((l) => l.includes('token=REDACTED')), lines.join('\n'));
    for (const line of lines) {
      assert.ok(!line.includes(jwt.slice(0, 40)), line);
      assert.ok(!/token=(?!REDACTED)/.test(line), line);
    }
    assert.equal(redactToken('/a.m3u8?x=1&token=abc&y=2'), '/a.m3u8?x=1&token=REDACTED&y=2');
  });
});
