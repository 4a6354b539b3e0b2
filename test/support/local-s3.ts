/**
 * A real S3-compatible server (s3rver) for integration tests: loopback, data in a fresh temp dir, one
 * bucket, and an SDK client configured the way s3rver needs. `stop` closes everything and removes the dir.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface TestS3 {
  bucket: string;
  /** `http://127.0.0.1:<port>` of the server. */
  endpoint: string;
  client: S3Client;
  stop(): Promise<void>;
}

export async function startTestS3(bucket = 'streamplane-media'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'streamplane-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const address: AddressInfo = await server.run();
  const client = s3rverClient(`http://127.0.0.1:${address.port}`);
  return {
    bucket,
    endpoint: `http://127.0.0.1:${address.port}`,
    client,
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** An S3 client for an s3rver at `endpoint` (path-style, its fixed credentials). */
export function s3rverClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver predates the SDK's default CRC32 checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
