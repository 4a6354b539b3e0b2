/**
 * What the S3 object store does with S3's answers that a local server cannot produce: listings over
 * several pages (continuation tokens), deletes of more keys than one request takes, and per-key delete
 * failures reported inside a 200 response.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ObjectStoreError, S3ObjectStore } from '../../../adapters/s3-object-store';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

describe('S3ObjectStore against S3 answers', () => {
  it('follows continuation tokens until the listing is complete', async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({ IsTruncated: true, NextContinuationToken: 't1', Contents: [{ Key: 'p/live/a', Size: 1 }] });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't1' }).resolves({ IsTruncated: false, Contents: [{ Key: 'p/live/b', Size: 2 }] });
    const store = new S3ObjectStore({ bucket: 'media', prefix: 'p/', client: new S3Client({ region: 'us-east-1' }) });
    assert.deepEqual(await store.list('live/'), [
      { key: 'live/a', size: 1 },
      { key: 'live/b', size: 2 },
    ]);
    const calls = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    assert.deepEqual(calls.map((c) => [c.Bucket, c.Prefix, c.ContinuationToken]), [
      ['media', 'p/live/', undefined],
      ['media', 'p/live/', 't1'],
    ]);
  });

  it('deletes in batches of at most 1000 keys, each key once', async () => {
    s3.on(DeleteObjectsCommand).resolves({});
    const store = new S3ObjectStore({ bucket: 'media', client: new S3Client({ region: 'us-east-1' }) });
    const keys = Array.from({ length: 2001 }, (_, i) => `live/st/${i}.ts`);
    await store.delete([...keys, keys[0] as string]);
    const sizes = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.length);
    assert.deepEqual(sizes, [1000, 1000, 1]);
  });

  it('fails when S3 reports keys it could not delete', async () => {
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'live/st/1.ts', Code: 'AccessDenied', Message: 'denied' }] });
    const store = new S3ObjectStore({ bucket: 'media', client: new S3Client({ region: 'us-east-1' }) });
    await assert.rejects(store.delete(['live/st/1.ts', 'live/st/2.ts']), (err: unknown) => err instanceof ObjectStoreError && /1 of 2 .*live\/st\/1\.ts: AccessDenied/.test(err.message));
  });
});
