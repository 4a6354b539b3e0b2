/**
 * Killing the transcoder mid-stream: the supervisor restarts it, `transcode.error` is emitted, and the
 * live playlists keep increasing their sequence numbers (with a discontinuity), never going backwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { publish, stopAll } from '../support/ffmpeg';
import { fetchMediaPlaylist, parseMaster, waitForMaster } from '../support/hls';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

describe('transcoder recovery', () => {
  let t: TestPlane;
  before(async () => {
    t = await startTestPlane();
  });
  after(async () => {
    await stopAll();
    await t?.stop();
  });

  it('restarts a killed transcoder and keeps sequence numbers increasing', async () => {
    const created = await t.api<{ id: string; streamKey: string; playback: { hls: string } }>('POST', '/v1/streams', { name: 'recovery', reconnectWindowSeconds: 0 });
    const { id, streamKey, playback } = created.body;
    const encoder = publish({ url: t.rtmpUrl(streamKey), width: 640, height: 360, seconds: 40 });
    const master = await waitForMaster(playback.hls);
    const mediaUrl = new URL(parseMaster(master)[0]!.uri, new URL('.', playback.hls)).toString();

    const seen: number[] = [];
    const record = async () => {
      const p = await fetchMediaPlaylist(mediaUrl);
      if (!p) return undefined;
      const last = p.mediaSequence + p.segments.length - 1;
      if (seen.length === 0 || last !== seen[seen.length - 1]) seen.push(last);
      return p;
    };
    await waitFor('two segments', async () => ((await record())?.segments.length ?? 0) >= 2 || undefined);

    const pid = t.plane.sessions.session(id)?.transcoderPid;
    assert.ok(pid, 'a transcoder is running');
    process.kill(pid, 'SIGKILL');

    await waitFor('a new transcoder', () => {
      const next = t.plane.sessions.session(id)?.transcoderPid;
      return next !== undefined && next !== pid;
    });
    const afterKill = await waitFor('a discontinuity followed by new segments', async () => {
      const p = await record();
      const index = p?.segments.findIndex((s) => s.discontinuity) ?? -1;
      return p && index >= 0 && index < p.segments.length - 1 ? p : undefined;
    }, { timeoutMs: 30_000 });
    await encoder.kill();

    assert.ok(afterKill.segments.length > 0);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `sequence went from ${seen[i - 1]} to ${seen[i]}`);
    const events = await t.api<{ items: Array<{ type: string }> }>('GET', `/v1/events?streamId=${id}`);
    assert.ok(events.body.items.some((e) => e.type === 'transcode.error'));
  });
});
