/**
 * Upload URLs of the media library in the cloud: a presigned S3 PUT of the item's object key (under the
 * bucket's media/ folder), so files of gigabytes go straight to S3 and never through a Lambda. The S3
 * event of the finished upload feeds the probe queue (lib/constructs/media-library.ts).
 * Must never: presign anything but a PUT of a `media/<id>/source` key.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ValidationError } from '../core/errors';
import { parseLibraryObjectKey } from '../core/media/layout';
import type { MediaUploadTarget } from '../core/ports/media-store';

export interface S3MediaUploadTargetOptions {
  bucket: string;
  /** Folder of the bucket the object store lives in (MEDIA_PREFIX), e.g. `tenant-a/`. @default '' */
  prefix?: string;
  client?: S3Client;
}

export class S3MediaUploadTarget implements MediaUploadTarget {
  private readonly client: S3Client;

  constructor(private readonly options: S3MediaUploadTargetOptions) {
    this.client = options.client ?? new S3Client({});
  }

  async issue(item: { id: string; objectKey: string }, expiresAt: Date): Promise<{ url: string; method: 'PUT' }> {
    if (parseLibraryObjectKey(item.objectKey) !== item.id) throw new ValidationError('Only media library keys are presigned.');
    const expiresIn = Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
    const url = await getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.options.bucket, Key: `${this.options.prefix ?? ''}${item.objectKey}` }), { expiresIn });
    return { url, method: 'PUT' };
  }
}
