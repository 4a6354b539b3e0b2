/** The edge's view of playback access: conditional KeyValueStore writes, and a SigV4A signer without the CRT. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signatureV4aContainer } from '@smithy/signature-v4';
import { CloudFrontKvsEdgeSync, EDGE_KEYS, type KeyValueStoreClient } from '../../../adapters/cloudfront-kvs-edge-sync';

const ARN = 'arn:aws:cloudfront::123456789012:key-value-store/0f1e2d3c';

function named(name: string): Error {
  const err = new Error(name);
  err.name = name;
  return err;
}

/** A KeyValueStore that holds items, checks ETags, and can make another writer win the next race. */
function fakeStore() {
  const items = new Map<string, string>();
  let etag = 1;
  let racesToLose = 0;
  const client: KeyValueStoreClient = {
    describe: async () => ({ etag: String(etag) }),
    putKey: async ({ key, value, ifMatch }) => {
      if (racesToLose > 0) {
        racesToLose--;
        etag++;
      }
      if (ifMatch !== String(etag)) throw named('ConflictException');
      items.set(key, value);
      return { etag: String(++etag) };
    },
    deleteKey: async ({ key, ifMatch }) => {
      if (ifMatch !== String(etag)) throw named('ConflictException');
      if (!items.delete(key)) throw named('ResourceNotFoundException');
      return { etag: String(++etag) };
    },
    getKey: async ({ key }) => items.get(key),
  };
  return { client, items, loseNextRaces: (n: number) => (racesToLose = n) };
}

describe('CloudFront KeyValueStore edge sync', () => {
  it('writes keys, revocations and policies with the current ETag, and retries when another writer won', async () => {
    const store = fakeStore();
    const sync = new CloudFrontKvsEdgeSync({ kvsArn: ARN, client: store.client });
    store.loseNextRaces(2);
    await sync.keyCreated({ id: 'pk_abc', algorithm: 'ES256', publicKey: 'PEM', source: 'generated', createdAt: '2026-12-01T00:00:00Z' });
    await sync.viewerRevoked({ viewerId: 'user-42', until: '2026-12-01T01:00:00Z', createdAt: '2026-12-01T00:00:00Z' });
    await sync.setPolicy('st_x', true);
    assert.deepEqual(Object.fromEntries(store.items), {
      [EDGE_KEYS.key('pk_abc')]: '1',
      [EDGE_KEYS.revocation('user-42')]: String(Date.parse('2026-12-01T01:00:00Z') / 1000),
      [EDGE_KEYS.policy('st_x')]: 'signed',
    });
  });

  it('treats deleting what is not there as done, and gives up after repeated conflicts', async () => {
    const store = fakeStore();
    const sync = new CloudFrontKvsEdgeSync({ kvsArn: ARN, client: store.client });
    await sync.keyDeleted('pk_gone');
    await sync.setPolicy('st_public', false);
    store.loseNextRaces(99);
    await assert.rejects(sync.setPolicy('st_y', true), /ConflictException/);
  });

  it('registers the pure-JavaScript SigV4A signer the KeyValueStore client needs (no native CRT)', () => {
    assert.equal(typeof signatureV4aContainer.SignatureV4a, 'function');
  });
});
