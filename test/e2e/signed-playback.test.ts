/// <reference lib="dom" />
/**
 * Private streams, end to end on the local plane: a playback key created through the API, viewer tokens
 * signed with `jose` as a customer would, hls.js in Chromium playing a signed live stream from another
 * origin (CORS names the token's `allowedOrigin`), every refusal of the issue answered 403 problem+json
 * for the master, a media playlist and a segment, a signed recording that plays with a `vod` token and
 * not a `live` one, and public streams served byte for byte as before.
 */
import { startPlayerSite, type PlayerSite } from '../support/player-site';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { publish, stopAll, type Publisher } from '../support/ffmpeg';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

const PAGE = `<!doctype html><meta charset="utf-8"><title>player</title>
<video id="v" muted playsinline width="320" height="180"></video>
<script src="/hls.min.js"></script>
<script>
  window.result = { errors: [] };
  const video = document.getElementById('v');
  window.start = (src) => {
    const hls = new Hls();
    window.hls = hls;
    hls.on(Hls.Events.ERROR, (_e, d) => { window.result.errors.push({ details: d.details, fatal: d.fatal, status: d.response && d.response.code }); });
    hls.loadSource(src); hls.attachMedia(video); video.play().catch(() => {});
  };
</script>`;

interface Created {
  id: string;
  streamKey: string;
  playback: { hls: string };
}

const nowS = () => Math.floor(Date.now() / 1000);

describe('signed playback', () => {
  let t: TestPlane;
  let site: PlayerSite | undefined;
  let siteUrl: string;
  let siteOrigin: string;
  let browser: Browser;
  let keyId: string;
  let privateKey: CryptoKey;
  let stream: Created;
  let encoder: Publisher;

  const sign = async (claims: Record<string, unknown>, options: { kid?: string; key?: CryptoKey; expiresIn?: number } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? keyId })
      .setSubject((claims.sub as string | undefined) ?? stream.id)
      .setIssuedAt()
      .setExpirationTime(nowS() + (options.expiresIn ?? 600))
      .sign(options.key ?? privateKey);

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await fetch(url, { headers });
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body, text: body.toString('utf8') };
  };
  const withToken = (url: string, token: string) => `${url.split('?')[0]}?token=${token}`;
  /** Every URI line of a playlist, resolved against its URL. */
  const uris = (text: string, base: string) => text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => new URL(l, base).toString());

  before(async () => {
    t = await startTestPlane({ env: { STREAMPLANE_SEGMENT_SECONDS: '1' } });
    site = await startPlayerSite(PAGE);
    siteOrigin = site.origin;
    siteUrl = site.url;
    browser = await launchChromium();

    const key = await t.api<{ id: string; algorithm: string; privateKey: string; publicKey: string }>('POST', '/v1/playback-keys');
    assert.equal(key.status, 201);
    assert.equal(key.body.algorithm, 'ES256');
    keyId = key.body.id;
    privateKey = await importPKCS8(key.body.privateKey, 'ES256');
    const listed = await t.api<{ items: Array<Record<string, unknown>> }>('GET', '/v1/playback-keys');
    assert.deepEqual(listed.body.items.map((k) => k.id), [keyId]);
    assert.ok(!('privateKey' in (listed.body.items[0] ?? {})), 'the listing has public parts only');

    const created = await t.api<Created & { playbackPolicy: string }>('POST', '/v1/streams', { name: 'private town hall', playbackPolicy: 'signed', reconnectWindowSeconds: 0 });
    assert.equal(created.status, 201);
    assert.equal(created.body.playbackPolicy, 'signed');
    stream = created.body;
    encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 640, height: 360, gopSeconds: 1, seconds: 35 });
    const token = await sign({});
    await waitFor('the signed master playlist', async () => (await get(withToken(stream.playback.hls, token))).status === 200, { timeoutMs: 40_000 });
  });

  after(async () => {
    await browser?.close();
    await stopAll();
    await site?.close();
    await t?.stop();
  });

  it('plays a signed live stream in hls.js from the allowed origin, with the token handed down to every URI', async () => {
    const token = await sign({ aud: 'live', viewerId: 'viewer-1', allowedOrigin: siteOrigin });
    const master = await get(withToken(stream.playback.hls, token), { origin: siteOrigin });
    assert.equal(master.status, 200);
    assert.equal(master.headers.get('access-control-allow-origin'), siteOrigin, 'CORS names the allowed origin, not *');
    assert.equal(master.headers.get('cache-control'), 'private, no-store');
    for (const uri of uris(master.text, stream.playback.hls)) assert.match(uri, /[?&]token=sp1~/, 'every variant URI carries a derived token');

    const page = await browser.newPage();
    await page.goto(siteUrl);
    await page.evaluate((src) => (window as unknown as { start(s: string): void }).start(src), withToken(stream.playback.hls, token));
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 3, undefined, { timeout: 60_000 });
    const errors = await page.evaluate(() => (window as unknown as { result: { errors: Array<{ fatal: boolean }> } }).result.errors);
    assert.deepEqual(errors.filter((e) => e.fatal), [], JSON.stringify(errors));
    await page.close();

    // The same token from another page origin is refused.
    assert.equal((await get(withToken(stream.playback.hls, token), { origin: 'https://elsewhere.example' })).status, 403);
  });

  it('refuses every bad token with 403 problem+json for the master, a media playlist and a segment', async () => {
    // URLs as a good viewer sees them: the master's first variant, that playlist's last segment.
    const good = await sign({ viewerId: 'good-viewer' });
    const master = await get(withToken(stream.playback.hls, good));
    const mediaUrl = uris(master.text, stream.playback.hls)[0] as string;
    const media = await get(mediaUrl);
    assert.equal(media.status, 200);
    const segmentUrl = uris(media.text, mediaUrl).at(-1) as string;
    assert.equal((await get(segmentUrl)).status, 200, 'the handed-down segment URL plays');

    const other = await t.api<Created>('POST', '/v1/streams', { name: 'another', playbackPolicy: 'signed' });
    const doomedKey = await t.api<{ id: string; privateKey: string }>('POST', '/v1/playback-keys');
    const doomed = await importPKCS8(doomedKey.body.privateKey, 'ES256');
    const byDoomedKey = await sign({ viewerId: 'kd' }, { kid: doomedKey.body.id, key: doomed });
    const revokedToken = await sign({ viewerId: 'mallory' });
    // Derived URLs handed out before the key was deleted / the viewer revoked must die with them.
    const doomedMedia = uris((await get(withToken(stream.playback.hls, byDoomedKey))).text, stream.playback.hls)[0] as string;
    const revokedMedia = uris((await get(withToken(stream.playback.hls, revokedToken))).text, stream.playback.hls)[0] as string;
    assert.equal((await get(doomedMedia)).status, 200);
    assert.equal((await t.api('DELETE', `/v1/playback-keys/${doomedKey.body.id}`)).status, 204);
    const revoked = await t.api<{ viewerId: string; until: string }>('POST', '/v1/playback-revocations', { viewerId: 'mallory' });
    assert.equal(revoked.status, 201);

    const [h, p] = good.split('.');
    const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: other.body.id })).toString('base64url')}.${good.split('.')[2]}`;
    const algNone = `${Buffer.from(JSON.stringify({ alg: 'none', kid: keyId })).toString('base64url')}.${p}.`;
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: keyId }).setSubject(stream.id).setExpirationTime(nowS() - 5).sign(privateKey);

    const cases: Array<[string, string | undefined]> = [
      ['no token', undefined],
      ['expired', expired],
      ['another stream', await sign({ sub: other.body.id })],
      ['wrong audience', await sign({ aud: 'vod' })],
      ['deleted key', byDoomedKey],
      ['revoked viewer', revokedToken],
      ['tampered', tampered],
      ['alg none', algNone],
      ['more than 7 days', await sign({}, { expiresIn: 8 * 86_400 })],
    ];
    for (const [name, token] of cases) {
      for (const [what, url] of [['master', stream.playback.hls], ['media playlist', mediaUrl], ['segment', segmentUrl]] as const) {
        const target = token === undefined ? url.split('?')[0] as string : withToken(url, token);
        const response = await get(target);
        assert.equal(response.status, 403, `${name} → ${what}`);
        assert.equal(response.headers.get('content-type'), 'application/problem+json', `${name} → ${what}`);
        const problem = JSON.parse(response.text) as { code: string; reason: string };
        assert.equal(problem.code, 'forbidden');
        assert.ok(token === undefined || !response.text.includes(token), 'the token is not echoed');
      }
    }
    assert.equal((await get(doomedMedia)).status, 403, 'derived URLs of a deleted key stop working');
    assert.equal((await get(revokedMedia)).status, 403, 'derived URLs of a revoked viewer stop working');
    assert.equal((await get(mediaUrl)).status, 200, 'the good viewer plays on');
  });

  it('serves public streams exactly as before: no token, CORS *, the stored bytes', async () => {
    const created = await t.api<Created & { playbackPolicy: string }>('POST', '/v1/streams', { name: 'public', reconnectWindowSeconds: 0 });
    assert.equal(created.body.playbackPolicy, 'public');
    const pub = publish({ url: t.rtmpUrl(created.body.streamKey), width: 320, height: 180, gopSeconds: 1, seconds: 15 });
    const master = await waitFor('the public master', async () => {
      const r = await get(created.body.playback.hls);
      return r.status === 200 ? r : undefined;
    });
    assert.equal(master.headers.get('access-control-allow-origin'), '*');
    assert.ok(!master.text.includes('token='), 'public playlists are not rewritten');
    const stored = await readFile(`${t.dataDir}/media/live/${created.body.id}/master.m3u8`);
    assert.deepEqual(master.body, stored);
    await pub.kill();
  });

  it('keeps a recording signed: it plays with a vod token and not with a live one', async () => {
    await encoder.exited;
    const recording = await waitFor('the signed recording to be ready', async () => {
      const list = await t.api<{ items: Array<{ id: string; status: string; playbackPolicy: string; playback: { hls: string } }> }>('GET', `/v1/streams/${stream.id}/recordings`);
      const rec = list.body.items[0];
      return rec?.status === 'ready' ? rec : undefined;
    }, { timeoutMs: 60_000 });
    assert.equal(recording.playbackPolicy, 'signed');
    const vod = await sign({ sub: recording.id, aud: 'vod' });
    const live = await sign({ sub: recording.id, aud: 'live' });
    assert.equal((await get(recording.playback.hls)).status, 403);
    assert.equal((await get(withToken(recording.playback.hls, live))).status, 403);
    const master = await get(withToken(recording.playback.hls, vod));
    assert.equal(master.status, 200);
    const mediaUrl = uris(master.text, recording.playback.hls)[0] as string;
    const media = await get(mediaUrl);
    assert.equal(media.status, 200);
    assert.match(media.text, /#EXT-X-ENDLIST/);
    assert.equal((await get(uris(media.text, mediaUrl)[0] as string)).status, 200);

    // PATCHed public, the recording plays without a token.
    const patched = await t.api<{ playbackPolicy: string }>('PATCH', `/v1/recordings/${recording.id}`, { playbackPolicy: 'public' });
    assert.equal(patched.body.playbackPolicy, 'public');
    assert.equal((await get(recording.playback.hls)).status, 200);
  });
});
