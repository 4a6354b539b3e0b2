/** The registry lives on disk: a restarted plane still has its streams, and their keys still work. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { publish, stopAll } from '../support/ffmpeg';
import { startTestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

describe('plane restart', () => {
  const dirs: string[] = [];
  after(async () => {
    await stopAll();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps streams, settings and keys across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'streamplane-restart-'));
    dirs.push(dataDir);
    const first = await startTestPlane({ dataDir });
    const created = await first.api<{ id: string; streamKey: string }>('POST', '/v1/streams', { name: 'survivor', recording: false, reconnectWindowSeconds: 0 });
    await first.stop({ keepData: true });

    const second = await startTestPlane({ dataDir });
    try {
      const got = await second.api<{ id: string; name: string; recording: boolean; status: string }>('GET', `/v1/streams/${created.body.id}`);
      assert.equal(got.status, 200);
      assert.equal(got.body.name, 'survivor');
      assert.equal(got.body.recording, false);
      const list = await second.api<{ items: Array<{ id: string }> }>('GET', '/v1/streams');
      assert.deepEqual(list.body.items.map((s) => s.id), [created.body.id]);

      const encoder = publish({ url: second.rtmpUrl(created.body.streamKey), width: 640, height: 360, seconds: 20 });
      await waitFor('the stream to go live after the restart', async () => {
        const s = await second.api<{ status: string }>('GET', `/v1/streams/${created.body.id}`);
        return s.body.status === 'live' || undefined;
      }, { timeoutMs: 40_000 });
      await encoder.kill();
    } finally {
      await second.stop({ keepData: true });
    }
  });
});
