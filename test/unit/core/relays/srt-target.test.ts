/** How an srt:// target and its key pair up: the key is the streamid, or `streamid=…&passphrase=…`; the URL carries no secret. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemorySimulcastTargetStore } from '../../../../adapters/memory-simulcast-target-store';
import { ValidationError } from '../../../../core/errors';
import { newId } from '../../../../core/ids';
import { createTarget, updateTarget } from '../../../../core/relays/registry';
import { srtEndpointOf } from '../../../../core/relays/srt-target';
import { CLOUD_URL_POLICY } from '../../../../core/webhooks/url-policy';

describe('SRT target endpoints', () => {
  it('makes a plain key the streamid and keeps the URL\'s settings', () => {
    assert.deepEqual(srtEndpointOf('srt://ingest.example.com:9000?latency=200', 'live/abc'), { ok: true, endpoint: { kind: 'srt', host: 'ingest.example.com', port: 9000, streamId: 'live/abc', latencyMs: 200 } });
  });

  it('reads streamid and passphrase from a key given as a query string', () => {
    assert.deepEqual(srtEndpointOf('srt://1.2.3.4:778', 'passphrase=0123456789ab&streamid=%23!%3A%3Ar%3Dlive'), {
      ok: true,
      endpoint: { kind: 'srt', host: '1.2.3.4', port: 778, streamId: '#!::r=live', passphrase: '0123456789ab' },
    });
    assert.deepEqual(srtEndpointOf('srt://1.2.3.4:778', 'passphrase=0123456789ab'), { ok: true, endpoint: { kind: 'srt', host: '1.2.3.4', port: 778, passphrase: '0123456789ab' } });
  });

  it('uses the URL\'s streamid only without a key, and connects without one at all', () => {
    assert.equal((srtEndpointOf('srt://h.example.com:1?streamid=from-url') as { endpoint: { streamId?: string } }).endpoint.streamId, 'from-url');
    assert.equal((srtEndpointOf('srt://h.example.com:1?streamid=from-url', 'from-key') as { endpoint: { streamId?: string } }).endpoint.streamId, 'from-key');
    assert.deepEqual(srtEndpointOf('srt://h.example.com:1'), { ok: true, endpoint: { kind: 'srt', host: 'h.example.com', port: 1 } });
  });

  it('refuses a passphrase in the URL, a listener mode, a bad passphrase length and unknown key parts, naming no secret', () => {
    for (const [url, key] of [
      ['srt://h.example.com:1?passphrase=0123456789ab', undefined],
      ['srt://h.example.com:1?mode=listener', undefined],
      ['srt://h.example.com:1?latency=abc', undefined],
      ['srt://h.example.com:1', 'streamid=x&passphrase=short-one'],
      ['srt://h.example.com:1', 'streamid=x&token=secret-token'],
    ] as const) {
      const checked = srtEndpointOf(url, key);
      assert.equal(checked.ok, false, `${url} ${key}`);
      assert.ok(!(checked as { message: string }).message.includes('secret') && !(checked as { message: string }).message.includes('short-one'));
    }
  });

  it('is admitted by the registry (key encrypted as given) and refused with a 400-mapped ValidationError when it leaks a secret', async () => {
    const streamId = newId('stream');
    const targets = new MemorySimulcastTargetStore();
    const deps = {
      targets,
      streams: { get: async (id: string) => (id === streamId ? ({ id } as never) : undefined) },
      cipher: { encrypt: async (plain: string) => `enc(${plain.length})`, decrypt: async () => '' },
      clock: { now: () => new Date('2025-01-01T00:00:00Z') },
      urlPolicy: CLOUD_URL_POLICY,
    };
    const target = await createTarget(deps, streamId, { url: 'srt://ingest.example.com:9000?latency=200', streamKey: 'streamid=abc&passphrase=0123456789ab' });
    assert.equal(target.url, 'srt://ingest.example.com:9000?latency=200');
    assert.equal(target.encryptedKey, 'enc(36)');
    await assert.rejects(createTarget(deps, streamId, { url: 'srt://ingest.example.com:9000?passphrase=0123456789ab' }), (err: unknown) => err instanceof ValidationError && err.details?.[0]?.path === 'body.url');
    await assert.rejects(createTarget(deps, streamId, { url: 'srt://10.0.0.1:9000' }), ValidationError);
    // Changing the name keeps the stored key; a new URL with the key still present is checked without it.
    const renamed = await updateTarget(deps, streamId, target.id, { url: 'srt://ingest.example.com:9001' });
    assert.equal(renamed.encryptedKey, 'enc(36)');
    assert.equal((await targets.list(streamId)).length, 1);
  });
});
