/**
 * Keeps the CDN edge's view of playback access in step (`PlaybackEdgeSync`): the CloudFront
 * KeyValueStore the edge function (lib/edge/playback-edge.js) reads on every signed request.
 *
 *   k:<keyId>     "1"                 the key exists (derived tokens name their key; deleted → refused)
 *   r:<viewerId>  <until, epoch s>    revoked viewer
 *   p:<id>        "signed"            a signed stream or recording (absent = public, no further work)
 *   secret        <hex>               the derived-token HMAC secret (written at deploy, see docs)
 *
 * KeyValueStore writes propagate to every edge location within seconds (AWS documents "typically
 * within seconds"), well inside the minute the plane promises.
 *
 * The KeyValueStore data plane is signed with SigV4A: `@aws-sdk/signature-v4a` (pure JavaScript, imported
 * for its side effect of registering the signer) rather than the native CRT signer, which would put a
 * platform binary into every Lambda bundle. Tests inject `client`.
 *
 * Must never write a private key or a token to the store.
 */
import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient, DeleteKeyCommand, DescribeKeyValueStoreCommand, GetKeyCommand, PutKeyCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { PlaybackEdgeSync } from '../core/ports/playback-key-store';
import type { PlaybackKey, Revocation } from '../core/playback/playback-key';

/** The three calls of the KeyValueStore API this adapter uses (shape of the AWS SDK's commands). */
export interface KeyValueStoreClient {
  describe(kvsArn: string): Promise<{ etag: string }>;
  putKey(input: { kvsArn: string; key: string; value: string; ifMatch: string }): Promise<{ etag: string }>;
  deleteKey(input: { kvsArn: string; key: string; ifMatch: string }): Promise<{ etag: string }>;
  getKey?(input: { kvsArn: string; key: string }): Promise<string | undefined>;
}

export const EDGE_KEYS = {
  key: (id: string) => `k:${id}`,
  revocation: (viewerId: string) => `r:${viewerId}`,
  policy: (id: string) => `p:${id}`,
  secret: 'secret',
} as const;

const MAX_ETAG_RETRIES = 5;

export class CloudFrontKvsEdgeSync implements PlaybackEdgeSync {
  private readonly kvsArn: string;
  private readonly client: KeyValueStoreClient;

  constructor(options: { kvsArn: string; client?: KeyValueStoreClient }) {
    this.kvsArn = options.kvsArn;
    this.client = options.client ?? sdkClient();
  }

  keyCreated(key: PlaybackKey): Promise<void> {
    return this.write((c, ifMatch) => c.putKey({ kvsArn: this.kvsArn, key: EDGE_KEYS.key(key.id), value: '1', ifMatch }));
  }

  keyDeleted(id: string): Promise<void> {
    return this.write((c, ifMatch) => c.deleteKey({ kvsArn: this.kvsArn, key: EDGE_KEYS.key(id), ifMatch }), true);
  }

  viewerRevoked(revocation: Revocation): Promise<void> {
    const until = String(Math.ceil(Date.parse(revocation.until) / 1000));
    return this.write((c, ifMatch) => c.putKey({ kvsArn: this.kvsArn, key: EDGE_KEYS.revocation(revocation.viewerId), value: until, ifMatch }));
  }

  /** Marks (or unmarks) a stream or recording as signed at the edge. */
  setPolicy(id: string, signed: boolean): Promise<void> {
    return signed
      ? this.write((c, ifMatch) => c.putKey({ kvsArn: this.kvsArn, key: EDGE_KEYS.policy(id), value: 'signed', ifMatch }))
      : this.write((c, ifMatch) => c.deleteKey({ kvsArn: this.kvsArn, key: EDGE_KEYS.policy(id), ifMatch }), true);
  }

  /** Puts the derived-token secret (hex) where the edge function reads it, unless it is there already. */
  async ensureSecret(hex: string): Promise<void> {
    const client = this.client;
    if (client.getKey && (await client.getKey({ kvsArn: this.kvsArn, key: EDGE_KEYS.secret })) === hex) return;
    await this.write((c, ifMatch) => c.putKey({ kvsArn: this.kvsArn, key: EDGE_KEYS.secret, value: hex, ifMatch }));
  }

  /** Writes are conditional on the store's ETag: on a concurrent change, re-read it and write again. */
  private async write(op: (client: KeyValueStoreClient, ifMatch: string) => Promise<unknown>, missingIsDone = false): Promise<void> {
    const client = this.client;
    for (let attempt = 1; ; attempt++) {
      const { etag } = await client.describe(this.kvsArn);
      try {
        await op(client, etag);
        return;
      } catch (err) {
        const name = err instanceof Error ? err.name : '';
        if (missingIsDone && name === 'ResourceNotFoundException') return;
        if ((name !== 'ConflictException' && name !== 'ValidationException') || attempt >= MAX_ETAG_RETRIES) throw err;
      }
    }
  }
}

function sdkClient(): KeyValueStoreClient {
  const sdk = { CloudFrontKeyValueStoreClient, DescribeKeyValueStoreCommand, PutKeyCommand, DeleteKeyCommand, GetKeyCommand };
  const kvs = new sdk.CloudFrontKeyValueStoreClient({});
  return {
    describe: async (kvsArn) => ({ etag: String((await kvs.send(new sdk.DescribeKeyValueStoreCommand({ KvsARN: kvsArn }))).ETag) }),
    putKey: async (i) => ({ etag: String((await kvs.send(new sdk.PutKeyCommand({ KvsARN: i.kvsArn, Key: i.key, Value: i.value, IfMatch: i.ifMatch }))).ETag) }),
    deleteKey: async (i) => ({ etag: String((await kvs.send(new sdk.DeleteKeyCommand({ KvsARN: i.kvsArn, Key: i.key, IfMatch: i.ifMatch }))).ETag) }),
    getKey: async (i) => {
      try {
        return String((await kvs.send(new sdk.GetKeyCommand({ KvsARN: i.kvsArn, Key: i.key }))).Value);
      } catch {
        return undefined;
      }
    },
  };
}
