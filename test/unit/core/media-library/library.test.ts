/** Settling an upload: probe facts make it ready (media.ready), a refusal fails it and deletes the bytes (media.failed), once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMediaItem, deleteMediaItem, settleUpload } from '../../../../core/media-library/library';
import { checkUploadToken, signUploadToken } from '../../../../core/media-library/upload-token';
import type { ProbeRun } from '../../../../core/media-library/probe-result';
import { MemoryMediaStore } from '../../../support/memory-media-store';
import { MemoryObjectStore } from '../../../support/memory-object-store';
import { MemoryStreamStore } from '../../../support/memory-stream-store';
import { ManualClock, recordingEmitter } from '../../../support/recorded-events';

const AUDIO: ProbeRun = { exitCode: 0, stdout: JSON.stringify({ streams: [{ codec_type: 'audio', codec_name: 'aac', duration: '12.5' }], format: { format_name: 'mov,mp4,m4a', duration: '12.5' } }), stderr: '' };
const TEXT: ProbeRun = { exitCode: 1, stdout: '', stderr: 'Invalid data found when processing input' };

async function setup(run: ProbeRun) {
  const media = new MemoryMediaStore();
  const objects = new MemoryObjectStore();
  const streams = new MemoryStreamStore();
  const clock = new ManualClock();
  const { emit, events } = recordingEmitter(streams, clock);
  let probes = 0;
  const deps = { media, emit, clock, objectStore: objects, maxBytes: 1000, prober: { probe: async () => (probes++, run) } };
  const uploads = { issue: async (i: { id: string }) => ({ url: `http://plane/uploads/media/${i.id}`, method: 'PUT' as const }) };
  const { item, upload } = await createMediaItem({ media, clock, uploads }, { name: 'song' });
  objects.putSegment(item.objectKey, 500);
  return { deps, media, objects, streams, events, item, upload, probes: () => probes };
}

describe('media library use cases', () => {
  it('creates an uploading item under media/<id>/source with an upload URL that expires in an hour', async () => {
    const { item, upload } = await setup(AUDIO);
    assert.equal(item.status, 'uploading');
    assert.equal(item.objectKey, `media/${item.id}/source`);
    assert.equal(Date.parse(upload.expiresAt) - Date.parse(item.createdAt), 3600_000);
  });

  it('settles a playable file as ready with its facts, once, and emits media.ready', async () => {
    const s = await setup(AUDIO);
    const first = await settleUpload(s.deps, { mediaId: s.item.id, bytes: 500 });
    assert.equal(first.status, 'ready');
    const stored = await s.media.get(s.item.id);
    assert.deepEqual([stored?.status, stored?.kind, stored?.durationSeconds, stored?.codecs, stored?.bytes], ['ready', 'audio', 12.5, ['aac'], 500]);
    assert.equal((await settleUpload(s.deps, { mediaId: s.item.id, bytes: 500 })).status, 'skipped', 'a duplicate message changes nothing');
    assert.equal(s.probes(), 1);
    assert.deepEqual(s.events.map((e) => e.type), ['media.ready']);
    assert.equal(s.events[0]?.streamId, null);
  });

  it('fails what is not media, deletes its bytes and emits media.failed with the reason', async () => {
    const s = await setup(TEXT);
    assert.equal((await settleUpload(s.deps, { mediaId: s.item.id, bytes: 500 })).status, 'failed');
    assert.match((await s.media.get(s.item.id))?.error ?? '', /^not media/);
    assert.equal(s.objects.objects.has(s.item.objectKey), false);
    assert.deepEqual(s.events.map((e) => [e.type, (e.data as { reason: string }).reason]), [['media.failed', 'not_media']]);
  });

  it('fails a file over the limit without probing it (the cloud learns the size from the S3 event)', async () => {
    const s = await setup(AUDIO);
    assert.equal((await settleUpload(s.deps, { mediaId: s.item.id, bytes: 1001 })).status, 'failed');
    assert.match((await s.media.get(s.item.id))?.error ?? '', /^too large/);
    assert.equal(s.probes(), 0);
    assert.equal(s.objects.objects.has(s.item.objectKey), false);
  });

  it('drops the bytes of an item deleted before its probe', async () => {
    const s = await setup(AUDIO);
    await deleteMediaItem({ media: s.media, objectStore: s.objects, streams: s.streams }, s.item.id);
    s.objects.putSegment(s.item.objectKey, 500); // the upload finished after the delete
    assert.equal((await settleUpload(s.deps, { mediaId: s.item.id, bytes: 500 })).status, 'skipped');
    assert.equal(s.objects.objects.has(s.item.objectKey), false);
  });
});

describe('upload tokens', () => {
  const secret = 'a-secret-of-the-plane';
  const now = new Date('2025-01-01T00:00:00.000Z');
  const id = 'med_abcdefghijklmnopqrst';
  it('accept the URL they were made for until it expires, then say expired', () => {
    const { expires, token } = signUploadToken(secret, id, new Date(now.getTime() + 60_000));
    assert.deepEqual(checkUploadToken(secret, { mediaId: id, expires: String(expires), token }, now), { ok: true });
    assert.deepEqual(checkUploadToken(secret, { mediaId: id, expires: String(expires), token }, new Date(now.getTime() + 60_000)), { ok: false, reason: 'expired' });
  });
  it('refuse another item, a moved expiry, another secret, or garbage as invalid', () => {
    const { expires, token } = signUploadToken(secret, id, new Date(now.getTime() + 60_000));
    const invalid = { ok: false, reason: 'invalid' };
    assert.deepEqual(checkUploadToken(secret, { mediaId: 'med_bbbbbbbbbbbbbbbbbbbb', expires: String(expires), token }, now), invalid);
    assert.deepEqual(checkUploadToken(secret, { mediaId: id, expires: String(expires + 3600), token }, now), invalid);
    assert.deepEqual(checkUploadToken('another', { mediaId: id, expires: String(expires), token }, now), invalid);
    assert.deepEqual(checkUploadToken(secret, { mediaId: id, expires: null, token }, now), invalid);
    assert.deepEqual(checkUploadToken(secret, { mediaId: id, expires: String(expires), token: 'x'.repeat(43) }, now), invalid);
  });
});
