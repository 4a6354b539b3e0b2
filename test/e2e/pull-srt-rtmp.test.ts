/**
 * SRT and RTMP pull sources on a real local plane: an SRT listener (Debian's ffmpeg, with a passphrase)
 * and an RTMP server (ffmpeg `-listen 1`) each become playable HLS after `start`, and the SRT passphrase
 * never shows in the API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ffprobeStreams } from '../support/ffmpeg';
import { startTestPlane, type TestPlane } from '../support/plane';
import { startRtmpServer, startSrtListener, type PullPeer } from '../support/pull-peers';
import { waitFor } from '../support/wait';

const PASSPHRASE = 'srt-passphrase-0123';

describe('pull sources (SRT, RTMP) on the local plane', { timeout: 180_000 }, () => {
  let t: TestPlane;
  const peers: PullPeer[] = [];
  before(async () => {
    t = await startTestPlane({ env: { STREAMPLANE_LADDER: '180', STREAMPLANE_SEGMENT_SECONDS: '1' } });
  });
  after(async () => {
    await t?.stop();
    for (const peer of peers) await peer.stop();
  });

  for (const kind of ['SRT', 'RTMP'] as const) {
    it(`pulls ${kind} into playable HLS`, async () => {
      const peer = kind === 'SRT' ? await startSrtListener({ passphrase: PASSPHRASE }) : await startRtmpServer();
      peers.push(peer);
      const created = await t.api<{ id: string; ingest: { url: string }; playback: { hls: string } }>('POST', '/v1/streams', { name: `${kind} feed`, source: { url: peer.url } });
      assert.equal(created.status, 201);
      if (kind === 'SRT') assert.equal(created.body.ingest.url, `srt://127.0.0.1:${peer.port}?passphrase=***`);
      const started = Date.now();
      assert.equal((await t.api('POST', `/v1/streams/${created.body.id}/start`)).status, 202);
      const probe = await waitFor(`${kind} pull playable`, async () => {
        const p = await ffprobeStreams(created.body.playback.hls);
        return p.streams.some((s) => s.codec_type === 'video') ? p : undefined;
      }, { timeoutMs: 60_000, intervalMs: 250 });
      assert.ok(probe.streams.some((s) => s.codec_type === 'audio'), 'audio is carried too');
      process.stdout.write(`# ${kind} playable after start: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      const view = await t.api<{ status: string; pull: { state: string } }>('GET', `/v1/streams/${created.body.id}`);
      assert.equal(view.body.status, 'live');
      assert.equal(view.body.pull.state, 'pulling');
      assert.ok(!JSON.stringify(view.body).includes(PASSPHRASE));
      assert.equal((await t.api('POST', `/v1/streams/${created.body.id}/end`)).status, 200);
    });
  }
});
