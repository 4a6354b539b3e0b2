/** The console deployer's AWS wiring: the S3 client behind ConsoleFilesStore, and the Powertools logger. */
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { powertoolsLogger } from '../shared/logger';
import { createConsoleDeployHandler, type ConsoleFilesStore } from './handler';

export function s3ConsoleFilesStore(client = new S3Client({})): ConsoleFilesStore {
  return {
    async get(bucket, key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return out.Body.transformToByteArray();
    },
    async put(bucket, key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, CacheControl: 'no-cache' }));
    },
    async delete(bucket, keys) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
    },
  };
}

let built: ReturnType<typeof createConsoleDeployHandler> | undefined;

export async function consoleDeployHandler() {
  built ??= createConsoleDeployHandler({ store: s3ConsoleFilesStore(), logger: powertoolsLogger('console-deploy') });
  return built;
}
