/// <reference lib="dom" />
/**
 * The web console, driven in Debian's Chromium against a real local plane: a wrong token shows the API's
 * error and nothing else; sign in; create a stream (hostile name, shown as text) and read its key once;
 * publish with ffmpeg and see the row turn live without a reload; open the stream and see frames decode
 * in the console's player and `stream.live` in its timeline, the health API's figures (fps near the
 * source's, its size and codecs) charted live, the thumbnail and the open session; a DVR window is
 * refused past its limit and saved within it; end it and find its recording; the watch page shows the
 * thumbnail as its offline poster, and once the stream is signed refuses a tokenless viewer with a clear
 * message; create a webhook endpoint and see deliveries in its log; the watch page plays without a token;
 * 360 px wide pages do not scroll sideways.
 *
 * Screenshots go to a temp dir; with STREAMPLANE_SCREENSHOTS=docs/images they refresh the README's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importPKCS8, SignJWT } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { publish, stopAll } from '../support/ffmpeg';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/** The API refuses markup in names; what it allows (quotes, ampersands) must still show as typed. */
const MARKUP_NAME = '<img src=x onerror="window.__xss=1"> stage';
const HOSTILE = `Main & "stage" (O'Brien's) #1`;

/** Pixels of the player's current frame that are clearly coloured (the test pattern), 0 for black. */
function colouredPixels(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const video = document.querySelector(sel) as HTMLVideoElement | null;
    if (!video || video.videoWidth === 0) return 0;
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 36;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(video, 0, 0, 64, 36);
    const px = ctx.getImageData(0, 0, 64, 36).data;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 4) if (Math.max(px[i]!, px[i + 1]!, px[i + 2]!) - Math.min(px[i]!, px[i + 1]!, px[i + 2]!) > 40) coloured++;
    return coloured;
  }, selector);
}

describe('web console in Chromium', () => {
  let t: TestPlane;
  let browser: Browser;
  let context: BrowserContext;
  let receiver: WebhookReceiver;
  let shots: string;
  let ownShots = false;
  const pageErrors: string[] = [];

  before(async () => {
    // A failed delivery waits an hour for its retry: only the console's Redeliver can bring it early.
    t = await startTestPlane({ env: { STREAMPLANE_LADDER: '360,240', STREAMPLANE_SEGMENT_SECONDS: '1', STREAMPLANE_WEBHOOK_RETRY_SCHEDULE: '0,1h' } });
    let refused = false;
    receiver = await startWebhookReceiver((request) => {
      if (!refused && request.body.includes('"stream.connected"')) {
        refused = true;
        return { status: 500, body: 'receiver down' };
      }
      return { status: 200 };
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    if (process.env.STREAMPLANE_SCREENSHOTS) shots = resolve(process.env.STREAMPLANE_SCREENSHOTS);
    else {
      shots = await mkdtemp(join(tmpdir(), 'console-shots-'));
      ownShots = true;
    }
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await stopAll();
    await receiver?.close();
    await t?.stop();
    if (ownShots) await rm(shots, { recursive: true, force: true });
  });

  async function screenshot(page: Page, name: string): Promise<void> {
    const path = join(shots, name);
    await page.screenshot({ path, type: 'png', animations: 'disabled' });
    assert.ok((await stat(path)).size < 150_000, `${name} stays small`);
  }

  function newPage(): Promise<Page> {
    return context.newPage().then((page) => {
      page.on('pageerror', (err) => pageErrors.push(err.message));
      return page;
    });
  }

  it('serves / as a redirect to the console and the bundle without any third-party file', async () => {
    const root = await fetch(`${t.base}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/console/');
    const html = await fetch(`${t.base}/console/`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(html.headers.get('x-frame-options'), 'DENY');
    const text = await html.text();
    assert.doesNotMatch(text, /https?:\/\//, 'index.html loads nothing from another origin');
    const watch = await fetch(`${t.base}/watch/st_abc123`);
    assert.equal(watch.status, 200);
    assert.match(watch.headers.get('content-security-policy') ?? '', /frame-ancestors \*/);
    assert.equal(watch.headers.get('x-frame-options'), null, 'the watch page can be embedded');
    assert.equal((await fetch(`${t.base}/console/nope.js`)).status, 404);
    assert.equal((await fetch(`${t.base}/console/`, { method: 'POST' })).status, 405);
  });

  it('a wrong token shows the API error and nothing else', async () => {
    const page = await newPage();
    await page.goto(`${t.base}/console/`);
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Unauthorized/);
    assert.equal(await page.getByRole('navigation').count(), 0, 'no console behind a wrong token');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a wrong token is not kept');
    await screenshot(page, 'console-sign-in.png');
    await page.close();
  });

  it('runs a stream end to end: create, live row, player, timeline, end, recording, webhook deliveries', async () => {
    const page = await newPage();
    await page.goto(`${t.base}/console/`);
    await page.getByLabel('API token').fill(t.plane.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Streams', exact: true }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('streamplane.apiToken')), t.plane.apiToken);
    assert.equal(await page.evaluate(() => document.cookie), '', 'no cookie');

    // A webhook endpoint first, so the whole session is delivered to it.
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByLabel('Endpoint URL').fill(receiver.url('/hook'));
    await page.getByLabel('Description (optional)').fill('<b>ops</b> pager');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = await page.getByRole('textbox', { name: 'Signing secret', exact: true }).inputValue();
    assert.match(secret, /^whsec_/);
    assert.equal(await page.locator('.description b').count(), 0, 'a description is text, not markup');
    await page.getByRole('button', { name: 'I have stored the secret' }).click();

    await page.getByRole('link', { name: 'Streams', exact: true }).click();
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await page.getByRole('button', { name: 'Create stream' }).click();
    await page.getByLabel('Stream name').fill(MARKUP_NAME);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const refused = page.getByRole('form', { name: 'Create stream' }).getByRole('alert');
    await refused.waitFor();
    assert.match(await refused.innerText(), /name/, "the API's validation problem is shown");
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'no markup ran');
    await page.getByLabel('Stream name').fill(HOSTILE);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const key = await page.getByRole('textbox', { name: 'Stream key', exact: true }).inputValue();
    const server = await page.getByRole('textbox', { name: 'Server', exact: true }).inputValue();
    assert.match(key, /^sk_/);
    assert.equal(server, `rtmp://127.0.0.1:${t.plane.rtmpPort}/live`);
    assert.match(await page.locator('.key-panel .warning').innerText(), /shown only now/);
    const row = page.locator('tr[data-stream-id]').first();
    const streamId = (await row.getAttribute('data-stream-id'))!;
    assert.equal(await row.locator('td').first().innerText(), HOSTILE, 'the name is shown as typed');
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'no markup from a stream name ran');
    await page.getByRole('button', { name: 'I have stored the key' }).click();

    const encoder = publish({ url: `${server}/${key}`, width: 640, height: 360, seconds: 120 });
    await row.locator('.badge', { hasText: 'live' }).waitFor({ timeout: 60_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, 'the row turned live without a reload');
    await screenshot(page, 'console-streams.png');

    await row.getByRole('link', { name: HOSTILE }).click();
    await page.getByRole('heading', { name: HOSTILE }).waitFor();
    await page.waitForFunction(() => ((document.querySelector('[data-testid="player-video"]') as HTMLVideoElement | null)?.currentTime ?? 0) > 1.5, undefined, { timeout: 60_000 });
    await waitFor('the console player shows a decoded frame of the test pattern', async () => (await colouredPixels(page, '[data-testid="player-video"]')) > 100 || undefined, { timeoutMs: 30_000 });
    await page.locator('.timeline li[data-event-type="stream.live"]').waitFor({ timeout: 30_000 });
    const renditions = await page.getByRole('combobox', { name: 'Rendition' }).locator('option').allInnerTexts();
    assert.deepEqual(renditions.slice(1).map((r) => r.split('p')[0]), ['360', '240']);
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="latency"]')?.textContent ?? ''), undefined, { timeout: 30_000 });
    const embed = await page.getByRole('textbox', { name: 'Embed snippet', exact: true }).inputValue();
    assert.match(embed, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/watch\/st_\w+\?title=/);
    assert.doesNotMatch(embed, /<img/, 'the name is escaped inside the snippet');

    // Health is the plane's measurement (GET /v1/streams/{id}/health), polled while live.
    const fpsText = await waitFor(
      'the health panel shows the ingest frame rate',
      async () => {
        const text = await page.getByTestId('health-fps').innerText();
        return /\d/.test(text) ? text : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const fps = Number.parseFloat(fpsText);
    assert.ok(fps > 25 && fps < 35, `ingest fps ${fps} is near the source's 30`);
    // The size and codecs come from the stream's metadata, a report or two after the first frames.
    await page.getByTestId('health-resolution').filter({ hasText: '640×360' }).waitFor({ timeout: 30_000 });
    await page.getByTestId('health-codecs').filter({ hasText: /h264|avc/i }).waitFor({ timeout: 30_000 });
    await waitFor('a video bitrate is measured', async () => Number.parseFloat(await page.getByTestId('health-video-kbps').innerText()) > 100 || undefined, { timeoutMs: 30_000 });
    assert.match(await page.getByTestId('health-status').innerText(), /^(excellent|good|poor|starving)$/);
    await page.waitForFunction(() => document.querySelectorAll('.spark polyline').length >= 2, undefined, { timeout: 30_000 });
    await page.locator('.sessions tr[data-session-id]', { hasText: 'open' }).waitFor({ timeout: 30_000 });
    // The thumbnail appears once the first keyframe is captured (the img is re-tried every 10 s).
    await page.waitForFunction(() => ((document.querySelector('[data-testid="thumbnail"]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0, undefined, { timeout: 60_000 });
    assert.match((await page.getByRole('img', { name: `Latest thumbnail of ${HOSTILE}` }).getAttribute('src'))!, /\/live\/st_\w+\/thumbnail\.jpg\?t=\d+$/);

    // Playback settings: the API's refusal is shown, a valid DVR window is saved and its URL appears.
    const dvrWindow = page.getByLabel('DVR window (seconds, 0 = off)');
    await dvrWindow.fill('99999');
    await page.getByRole('button', { name: 'Save playback settings' }).click();
    const dvrProblem = page.getByRole('form', { name: 'Playback settings' }).getByRole('alert');
    await dvrProblem.waitFor();
    assert.match(await dvrProblem.innerText(), /dvrWindowSeconds/);
    await dvrWindow.fill('600');
    await page.getByRole('button', { name: 'Save playback settings' }).click();
    await page.getByRole('form', { name: 'Playback settings' }).getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.match(await page.getByRole('textbox', { name: 'DVR playback URL', exact: true }).inputValue(), /\/live\/st_\w+\/dvr\.m3u8$/);
    assert.equal((await (await fetch(`${t.base}/v1/streams/${streamId}`, { headers: { authorization: `Bearer ${t.plane.apiToken}` } })).json()).dvrWindowSeconds, 600);
    await page.locator('.spark figcaption strong', { hasText: 'fps' }).waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'console-stream.png');

    // The public watch page plays without a token, in a fresh context (no sessionStorage).
    const viewerContext = await browser.newContext({ viewport: { width: 640, height: 420 } });
    const viewer = await viewerContext.newPage();
    await viewer.goto(`${t.base}/watch/${streamId}?title=${encodeURIComponent('Main stage')}`);
    await viewer.getByRole('heading', { name: 'Main stage' }).waitFor();
    await viewer.getByRole('status').filter({ hasText: 'LIVE' }).waitFor({ timeout: 30_000 });
    await viewer.waitForFunction(() => ((document.querySelector('video') as HTMLVideoElement | null)?.currentTime ?? 0) > 1, undefined, { timeout: 60_000 });
    await waitFor('the watch page shows a decoded frame of the test pattern', async () => (await colouredPixels(viewer, 'video')) > 100 || undefined, { timeoutMs: 30_000 });
    await screenshot(viewer, 'watch-page.png');
    await viewerContext.close();

    await page.getByRole('button', { name: 'End stream' }).click();
    await page.getByRole('button', { name: 'Yes, end it' }).click();
    await page.locator('.page-head .badge', { hasText: 'ended' }).waitFor({ timeout: 30_000 });
    await encoder.exited;
    const recording = page.locator('tr[data-recording-id]').first();
    await recording.locator('.badge', { hasText: 'ready' }).waitFor({ timeout: 90_000 });
    await recording.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('video')).some((v) => v.getAttribute('aria-label')?.startsWith('Recording') && v.currentTime > 0.5), undefined, { timeout: 60_000 });
    await recording.getByRole('button', { name: 'Export MP4' }).click();
    await recording.getByRole('link', { name: /Download MP4/ }).waitFor({ timeout: 90_000 });
    const mp4Url = await recording.getByRole('link', { name: /Download MP4/ }).getAttribute('href');
    assert.equal((await fetch(new URL(mp4Url!, t.base))).status, 200);
    await page.locator('.sessions tr[data-session-id]', { hasText: 'ended' }).waitFor({ timeout: 30_000 });

    // Offline, the watch page shows the last thumbnail as its poster.
    const offlineContext = await browser.newContext({ viewport: { width: 640, height: 420 } });
    const offline = await offlineContext.newPage();
    offline.on('pageerror', (err) => pageErrors.push(err.message));
    await offline.goto(`${t.base}/watch/${streamId}?title=${encodeURIComponent('Main stage')}`);
    await offline.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 30_000 });
    await offline.waitForFunction(() => ((document.querySelector('[data-testid="watch-poster"]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0, undefined, { timeout: 30_000 });

    // Signed playback: a viewer without a token (or with a bad one) is told why, not "offline".
    await page.getByLabel('Playback policy').selectOption('signed');
    await page.getByRole('button', { name: 'Save playback settings' }).click();
    await page.getByRole('form', { name: 'Playback settings' }).getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await offline.goto(`${t.base}/watch/${streamId}?title=${encodeURIComponent('Main stage')}`);
    const privateNote = offline.getByTestId('watch-forbidden');
    await privateNote.waitFor({ timeout: 30_000 });
    assert.match(await privateNote.innerText(), /private/i);
    await offline.getByRole('status').filter({ hasText: 'Private' }).waitFor();
    const masterRequests: string[] = [];
    offline.on('request', (r) => void (r.url().includes('master.m3u8') && masterRequests.push(r.url())));
    await offline.goto(`${t.base}/watch/${streamId}?token=not-a-jwt`);
    await offline.getByTestId('watch-forbidden').filter({ hasText: /not valid|expired|revoked/ }).waitFor({ timeout: 30_000 });
    assert.ok(masterRequests.some((u) => u.endsWith('/master.m3u8?token=not-a-jwt')), 'the page passes its token on to the master playlist');
    // A valid viewer token (signed as a customer's server would) opens it again: offline, with its poster.
    const playbackKey = await t.api<{ id: string; privateKey: string }>('POST', '/v1/playback-keys');
    const viewerToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: playbackKey.body.id })
      .setSubject(streamId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(await importPKCS8(playbackKey.body.privateKey, 'ES256'));
    await offline.goto(`${t.base}/watch/${streamId}?token=${encodeURIComponent(viewerToken)}`);
    await offline.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 30_000 });
    await offline.waitForFunction(() => ((document.querySelector('[data-testid="watch-poster"]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0, undefined, { timeout: 30_000 });
    assert.equal(await offline.getByTestId('watch-forbidden').count(), 0);
    await offlineContext.close();

    // The delivery log shows the session's events and can redeliver one.
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('button', { name: 'Deliveries' }).click();
    await page.locator('.attempts tr[data-outcome="succeeded"]').first().waitFor({ timeout: 30_000 });
    await waitFor('stream.ended delivered', () => receiver.at('/hook').some((r) => r.body.includes('"stream.ended"')) || undefined, { timeoutMs: 30_000 });
    await page.getByRole('combobox', { name: 'Show' }).selectOption('duplicate');
    await page.getByText('No deliveries with outcome duplicate.').waitFor();
    await page.getByRole('combobox', { name: 'Show' }).selectOption('failed');
    const failed = page.locator('.attempts tr[data-outcome="failed"]');
    await failed.first().waitFor();
    assert.equal(await page.locator('.attempts tr[data-outcome="succeeded"]').count(), 0, 'the filter shows failed attempts only');
    assert.match(await failed.first().innerText(), /stream\.connected[\s\S]*500/);
    await failed.first().getByRole('button', { name: /^Redeliver stream\.connected/ }).click();
    await page.getByText(/Redelivery queued/).waitFor();
    await waitFor('the redelivery reached the receiver', () => receiver.at('/hook').filter((r) => r.body.includes('"stream.connected"')).length === 2 || undefined, { timeoutMs: 30_000 });
    await page.getByRole('combobox', { name: 'Show' }).selectOption('all');
    await page.locator('.attempts tr[data-outcome="succeeded"]', { hasText: 'manual' }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'console-webhooks.png');

    // Sign out forgets the token.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assert.deepEqual(pageErrors, []);
    await page.close();
  });

  it('is readable at 360 px wide: no sideways scrolling, every control reachable', async () => {
    const small = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await small.newPage();
    await page.goto(`${t.base}/console/`);
    await page.getByLabel('API token').fill(t.plane.apiToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Streams', exact: true }).waitFor();
    await page.locator('tr[data-stream-id]').first().waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'streams page fits 360 px');
    await screenshot(page, 'console-mobile.png');
    await page.locator('tr[data-stream-id] a').first().click();
    await page.getByRole('heading', { name: 'Recordings' }).waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'stream page fits 360 px');
    // Unnamed buttons or unlabelled fields would be unusable with a screen reader.
    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll('button, input, select'))
        .filter((el) => {
          const e = el as HTMLInputElement;
          const named = (e.labels && e.labels.length > 0) || e.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent?.trim());
          return !named;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, []);
    await small.close();
  });
});
