/**
 * ObjectStore on S3: where the cloud ingest writes HLS segments and playlists, and where CloudFront reads
 * them from. Keys are validated exactly like the local folder store's, so a hostile stream or rendition
 * name is refused the same way in both planes; an optional `prefix` places the whole store under one
 * folder of the bucket (its keys are stripped of it again on the way out).
 *
 * Under fault (503 SlowDown, throttling, resets) the SDK's standard retry strategy retries each request;
 * what still fails is thrown, so the caller (the packager retries segments until they are stored) decides.
 * A segment adopted from a file is streamed from disk (no Buffer of it); the SDK never retries a streamed
 * body, so each failed attempt is thrown and the packager's retry calls `adoptFile` again with a fresh read.
 * A request that hangs is cut after `timeoutMs` and thrown as an ObjectStoreError: a stuck socket must delay
 * a segment, never stall its rendition's uploads for good.
 *
 * Must never: swallow a per-key failure of a batch delete, or follow a key out of its prefix.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { StreamplaneError, ValidationError } from '../core/errors';
import type { FileAdoptingObjectStore, ObjectStore, PutOptions, PutStreamOptions, StoredObject, StreamingObjectStore } from '../core/ports/object-store';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { validateObjectKey } from './fs-object-store';

/** S3 deletes at most this many keys per request. */
const DELETE_BATCH = 1000;

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Folder of the bucket this store lives in, e.g. `tenant-a/`. @default '' (the bucket root) */
  prefix?: string;
  client?: S3Client;
  /** Keys per ListObjectsV2 page (S3's maximum is 1000). @default 1000 */
  listPageSize?: number;
  /** Longest one operation (its SDK retries included) may take before it is abandoned. @default 30000 */
  timeoutMs?: number;
}

export class ObjectStoreError extends StreamplaneError {
  override readonly name = 'ObjectStoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

export class S3ObjectStore implements ObjectStore, StreamingObjectStore, FileAdoptingObjectStore {
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;
  private readonly listPageSize: number;
  private readonly timeoutMs: number;

  constructor(options: S3ObjectStoreOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
      throw new ValidationError(`Not an S3 bucket name: ${JSON.stringify(options.bucket)}.`, [{ path: 'bucket', message: 'expected 3-63 lower-case letters, digits, dots and hyphens' }]);
    }
    const prefix = options.prefix ?? '';
    if (prefix !== '') {
      if (!prefix.endsWith('/')) throw new ValidationError('The prefix must end with "/".', [{ path: 'prefix', message: 'expected a folder such as "media/"' }]);
      validateObjectKey(prefix.slice(0, -1));
    }
    this.bucket = options.bucket;
    this.prefix = prefix;
    // More attempts than the SDK's default 3: a SlowDown storm should delay a segment, not fail it.
    this.client = options.client ?? new S3Client({ maxAttempts: 5 });
    this.listPageSize = options.listPageSize ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs < 1) throw new ValidationError(`timeoutMs must be a positive number, got ${this.timeoutMs}.`);
    if (!Number.isInteger(this.listPageSize) || this.listPageSize < 1 || this.listPageSize > 1000) {
      throw new ValidationError(`listPageSize must be a whole number from 1 to 1000, got ${this.listPageSize}.`);
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<void> {
    validateObjectKey(key);
    await this.withDeadline(`PUT ${key}`, (abortSignal) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Body: body,
          ContentType: options.contentType,
          CacheControl: options.cacheControl,
        }),
        { abortSignal },
      ),
    );
  }

  /**
   * One streamed PUT (S3 stores the object only once every byte arrived). S3 needs the length up front
   * for that; without `contentLength` the put is refused (media uploads go to presigned URLs instead).
   * No deadline: a large body takes as long as the link needs.
   */
  async putStream(key: string, body: AsyncIterable<Uint8Array>, options: PutStreamOptions): Promise<{ bytes: number }> {
    validateObjectKey(key);
    const length = options.contentLength;
    if (length === undefined) throw new ValidationError('A streamed S3 put needs the content length.', [{ path: 'contentLength', message: 'required' }]);
    if (length > options.maxBytes) throw new StreamplaneError('payload_too_large', `The body is over the limit of ${options.maxBytes} bytes.`);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: Readable.from(body), ContentLength: length, ContentType: options.contentType, CacheControl: options.cacheControl }),
    );
    return { bytes: length };
  }

  /**
   * One PUT of the file's bytes read from disk as they are sent, then the file is removed. A failed attempt
   * (which the SDK does not retry for a stream) is thrown with the file left in place for the next one.
   */
  async adoptFile(key: string, path: string, options: PutOptions): Promise<{ bytes: number; modifiedAtMs: number } | undefined> {
    validateObjectKey(key);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let adopted: { bytes: number; modifiedAtMs: number };
    try {
      const info = await handle.stat();
      if (!info.isFile()) return undefined;
      adopted = { bytes: info.size, modifiedAtMs: info.mtimeMs };
      await this.withDeadline(`PUT ${key}`, (deadline) => this.putFromHandle(key, handle, info.size, options, deadline));
    } finally {
      await handle.close();
    }
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return adopted;
  }

  /** The PUT of `adoptFile`: a read error of the file aborts the request (a pipe would leave it waiting). */
  private async putFromHandle(key: string, handle: FileHandle, size: number, options: PutOptions, deadline: AbortSignal): Promise<void> {
    const readFailed = new AbortController();
    const body = size === 0 ? new Uint8Array() : handle.createReadStream({ start: 0, end: size - 1, autoClose: false });
    if (body instanceof Readable) body.once('error', (err) => readFailed.abort(err));
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: body, ContentLength: size, ContentType: options.contentType, CacheControl: options.cacheControl }),
        { abortSignal: AbortSignal.any([deadline, readFailed.signal]) },
      );
    } catch (err) {
      if (readFailed.signal.aborted) throw readFailed.signal.reason;
      throw err;
    } finally {
      if (body instanceof Readable) body.destroy();
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    validateObjectKey(key);
    try {
      return await this.withDeadline(`GET ${key}`, async (abortSignal) => {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }), { abortSignal });
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      });
    } catch (err) {
      if (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound')) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    if (prefix !== '') validateObjectKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.withDeadline(`LIST ${prefix}`, (abortSignal) =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, MaxKeys: this.listPageSize, ContinuationToken: token }), { abortSignal }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || !object.Key.startsWith(this.prefix)) continue;
        out.push({ key: object.Key.slice(this.prefix.length), size: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // S3 already lists in UTF-8 binary order; sorting keeps the port's promise for any S3-compatible server.
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keys: ReadonlyArray<string>): Promise<void> {
    for (const key of keys) validateObjectKey(key);
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += DELETE_BATCH) {
      const batch = unique.slice(i, i + DELETE_BATCH);
      const out = await this.withDeadline(`DELETE ${batch.length} keys`, (abortSignal) =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.prefix + key })), Quiet: true },
          }),
          { abortSignal },
        ),
      );
      const failed = out.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new ObjectStoreError(`Deleting ${failed.length} of ${batch.length} objects failed (first: ${first?.Key ?? '?'}: ${first?.Code ?? 'unknown'}).`);
      }
    }
  }

  /** One SDK call (and reading its body) under the store's deadline; an abandoned one is an ObjectStoreError. */
  private async withDeadline<T>(what: string, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    try {
      return await call(deadline);
    } catch (err) {
      if (deadline.aborted) throw new ObjectStoreError(`S3 ${what} took longer than ${this.timeoutMs} ms; abandoned.`, { cause: err });
      throw err;
    }
  }
}
