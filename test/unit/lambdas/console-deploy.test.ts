/**
 * The console deployer custom resource: copies each staged file under the prefix and writes config.json,
 * removes exactly those files on delete, answers CloudFormation every time (FAILED with a reason when the
 * copy fails, SUCCESS on a delete even when it fails, so the stack can go), and refuses keys that leave
 * the prefix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConsoleDeployHandler, type ConsoleFilesStore } from '../../../lambdas/console-deploy/handler';

function harness(options: { failGet?: boolean; failDelete?: boolean } = {}) {
  const puts: Array<{ bucket: string; key: string; body: string; contentType: string }> = [];
  const deletes: string[][] = [];
  const responses: Array<Record<string, string>> = [];
  const store: ConsoleFilesStore = {
    async get(bucket, key) {
      if (options.failGet) throw new Error('AccessDenied');
      return new TextEncoder().encode(`${bucket}/${key}`);
    },
    async put(bucket, key, body, contentType) {
      puts.push({ bucket, key, body: typeof body === 'string' ? body : new TextDecoder().decode(body), contentType });
    },
    async delete(_bucket, keys) {
      if (options.failDelete) throw new Error('boom');
      deletes.push(keys);
    },
  };
  const handler = createConsoleDeployHandler({ store, respond: async (_url, body) => void responses.push(JSON.parse(body) as Record<string, string>) });
  return { handler, puts, deletes, responses };
}

const event = (requestType: 'Create' | 'Update' | 'Delete', props: Record<string, unknown> = {}) => ({
  RequestType: requestType,
  ResponseURL: 'https://cloudformation-custom-resource-response.example/abc',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Streamplane/x',
  RequestId: 'req-1',
  LogicalResourceId: 'ConsoleFiles',
  ResourceProperties: {
    SourceBucket: 'cdk-assets',
    DestinationBucket: 'media-bucket',
    Prefix: 'console/',
    Files: [
      { SourceKey: 'aaa.html', Name: 'index.html', ContentType: 'text/html; charset=utf-8' },
      { SourceKey: 'bbb.js', Name: 'app.js', ContentType: 'text/javascript; charset=utf-8' },
    ],
    Config: '{"apiBase":"https://api.example","playbackBase":""}',
    ...props,
  },
});

describe('console deployer', () => {
  it('copies every file under the prefix with its type and writes config.json', async () => {
    const h = harness();
    await h.handler(event('Create'));
    assert.deepEqual(
      h.puts.map((p) => [p.key, p.contentType, p.body]),
      [
        ['console/index.html', 'text/html; charset=utf-8', 'cdk-assets/aaa.html'],
        ['console/app.js', 'text/javascript; charset=utf-8', 'cdk-assets/bbb.js'],
        ['console/config.json', 'application/json', '{"apiBase":"https://api.example","playbackBase":""}'],
      ],
    );
    assert.equal(h.responses[0]!.Status, 'SUCCESS');
    assert.equal(h.responses[0]!.PhysicalResourceId, 'streamplane-console-files');
  });

  it('answers FAILED with the reason when a file cannot be read, and keeps the physical id on update', async () => {
    const h = harness({ failGet: true });
    await h.handler({ ...event('Update'), PhysicalResourceId: 'streamplane-console-files' });
    assert.equal(h.responses[0]!.Status, 'FAILED');
    assert.match(h.responses[0]!.Reason!, /AccessDenied/);
    assert.equal(h.responses[0]!.PhysicalResourceId, 'streamplane-console-files');
  });

  it('deletes exactly its files, and succeeds even when that fails', async () => {
    const h = harness();
    await h.handler(event('Delete'));
    assert.deepEqual(h.deletes, [['console/index.html', 'console/app.js', 'console/config.json']]);
    const failing = harness({ failDelete: true });
    await failing.handler(event('Delete'));
    assert.equal(failing.responses[0]!.Status, 'SUCCESS');
  });

  it('refuses names and prefixes that would leave console/', async () => {
    const h = harness();
    await h.handler(event('Create', { Files: [{ SourceKey: 'a', Name: '../live/x.m3u8', ContentType: 'text/plain' }] }));
    assert.equal(h.responses[0]!.Status, 'FAILED');
    await h.handler(event('Create', { Prefix: '../' }));
    assert.equal(h.responses[1]!.Status, 'FAILED');
    assert.deepEqual(h.puts, []);
  });
});
