/** The simulcast targets use cases: keys are encrypted and write-only, URLs are policed, the per-stream cap holds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemorySimulcastTargetStore } from '../../../../adapters/memory-simulcast-target-store';
import { ConflictError, NotFoundError, ValidationError } from '../../../../core/errors';
import { newId } from '../../../../core/ids';
import type { KeyCipher } from '../../../../core/ports/key-cipher';
import { createTarget, deleteTarget, getTarget, listTargets, updateTarget, type SimulcastRegistryDeps } from '../../../../core/relays/registry';
import { CLOUD_URL_POLICY } from '../../../../core/webhooks/url-policy';

const reversing: KeyCipher = {
  encrypt: async (plain, ctx) => `enc:${ctx.targetId}:${[...plain].reverse().join('')}`,
  decrypt: async (c) => [...c.split(':')[2]!].reverse().join(''),
};

function deps(overrides: Partial<SimulcastRegistryDeps> = {}) {
  const streamId = newId('stream');
  const targets = new MemorySimulcastTargetStore();
  const d: SimulcastRegistryDeps = {
    targets,
    streams: { get: async (id: string) => (id === streamId ? ({ id } as never) : undefined) },
    cipher: reversing,
    clock: { now: () => new Date('2025-01-01T00:00:00Z') },
    urlPolicy: CLOUD_URL_POLICY,
    ...overrides,
  };
  return { d, streamId, targets };
}

describe('simulcast target registry', () => {
  it('stores the key only encrypted, bound to the target, and defaults name and enabled', async () => {
    const { d, streamId, targets } = deps();
    const target = await createTarget(d, streamId, { url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: 'sekret-1' });
    assert.equal(target.name, 'a.rtmp.youtube.com');
    assert.equal(target.enabled, true);
    assert.equal(target.status, 'idle');
    const stored = await targets.get(streamId, target.id);
    assert.equal(stored?.encryptedKey, `enc:${target.id}:1-terkes`);
    assert.equal(JSON.stringify(stored).includes('sekret-1'), false);
  });

  it('refuses hostile URLs with a validation error and stores nothing', async () => {
    const { d, streamId, targets } = deps({ resolveHost: async () => ['10.1.2.3'] });
    for (const url of ['rtmp://10.0.0.1/live', 'ftp://example.com/x', 'rtmp://internal.example.com/live']) {
      await assert.rejects(createTarget(d, streamId, { url, streamKey: 'k' }), ValidationError, url);
    }
    await assert.rejects(createTarget(deps().d, streamId, { url: 'rtmp://example.com/live' }), NotFoundError, 'another stream is not found');
    assert.deepEqual(await targets.list(streamId), []);
  });

  it('needs a stream name for rtmp: a key, or a URL that ends with one', async () => {
    const { d, streamId } = deps();
    await assert.rejects(createTarget(d, streamId, { url: 'rtmp://example.com/live' }), ValidationError);
    assert.equal((await createTarget(d, streamId, { url: 'rtmp://example.com/live/name' })).url, 'rtmp://example.com/live/name');
  });

  it('caps targets per stream', async () => {
    const { d, streamId } = deps({ maxTargets: 2 });
    await createTarget(d, streamId, { url: 'rtmp://example.com/a', streamKey: 'k' });
    await createTarget(d, streamId, { url: 'rtmp://example.com/b', streamKey: 'k' });
    await assert.rejects(createTarget(d, streamId, { url: 'rtmp://example.com/c', streamKey: 'k' }), ConflictError);
    assert.equal((await listTargets(d, streamId)).length, 2);
  });

  it('changes fields, replaces or removes the key, and deletes once', async () => {
    const { d, streamId, targets } = deps();
    const t = await createTarget(d, streamId, { url: 'rtmp://example.com/live', streamKey: 'one' });
    const changed = await updateTarget(d, streamId, t.id, { name: 'Twitch', enabled: false, streamKey: 'two' });
    assert.equal(changed.name, 'Twitch');
    assert.equal(changed.enabled, false);
    assert.equal((await targets.get(streamId, t.id))?.encryptedKey, `enc:${t.id}:owt`);
    await assert.rejects(updateTarget(d, streamId, t.id, { streamKey: null }), ValidationError, 'no key and no stream name in the URL');
    await assert.rejects(updateTarget(d, streamId, t.id, { url: 'rtmp://192.168.1.1/live' }), ValidationError);
    await deleteTarget(d, streamId, t.id);
    await assert.rejects(getTarget(d, streamId, t.id), NotFoundError);
    await assert.rejects(deleteTarget(d, streamId, t.id), NotFoundError);
  });
});
