/**
 * ObjectStore on a local folder: the local plane's stand-in for S3. Every object is written to a temp file
 * and renamed into place, so a reader (the HLS origin, a player) never sees half a segment or playlist.
 * Content type and cache control are kept in a JSON sidecar under `<root>/.meta/`, as S3 keeps them as
 * object metadata, so the origin can serve what the writer decided.
 * Must never touch a path outside `root`: every key is validated before it becomes a path.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { StreamplaneError, ValidationError } from '../core/errors';
import type { FileAdoptingObjectStore, ObjectStore, PutOptions, PutStreamOptions, StoredObject, StreamingObjectStore } from '../core/ports/object-store';

/** The sidecar tree. Keys may not have segments starting with `.`, so it can never collide with a key. */
const META_DIR = '.meta';
const MAX_KEY_LENGTH = 1024;

/** What the origin needs to answer a request: metadata plus a body it can stream (optionally a byte range). */
export interface FsObjectReader {
  key: string;
  size: number;
  contentType?: string;
  cacheControl?: string;
  modifiedAt: Date;
  /** Changes whenever the object is replaced (size + mtime + inode). */
  etag: string;
  /** Streams the bytes of the version that was opened (a later replace does not affect it); closes itself. */
  stream(range?: { start: number; end: number }): Readable;
  /** Releases the file when the body is not streamed (HEAD, 304, errors). Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Throws ValidationError unless `key` is a relative `/`-separated path of ordinary segments: no empty,
 * `.`/`..` or dot-leading segments, no backslash, NUL or control characters, at most 1024 characters.
 */
export function validateObjectKey(key: string): void {
  const problem = keyProblem(key, false);
  if (problem) throw new ValidationError(`Invalid object key: ${problem}.`, [{ path: 'key', message: problem }]);
}

export class FsObjectStore implements ObjectStore, StreamingObjectStore, FileAdoptingObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<void> {
    validateObjectKey(key);
    const meta = JSON.stringify({ contentType: options.contentType, cacheControl: options.cacheControl });
    // Metadata first: a crash in between leaves metadata without content, which reads as "no object".
    await writeAtomically(this.metaPath(key), meta, false);
    await writeAtomically(this.pathFor(key), body, true);
  }

  /**
   * Streams `body` into a temp file beside the target (awaiting each write, so a fast sender is held back
   * rather than buffered), then renames it into place; over `maxBytes`, or on any error, the temp file is
   * removed and nothing is kept.
   */
  async putStream(key: string, body: AsyncIterable<Uint8Array>, options: PutStreamOptions): Promise<{ bytes: number }> {
    validateObjectKey(key);
    if (options.contentLength !== undefined && options.contentLength > options.maxBytes) throw tooLarge(options.maxBytes);
    const path = this.pathFor(key);
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    const temp = `${dir}${sep}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    let bytes = 0;
    try {
      const handle = await open(temp, 'wx');
      try {
        for await (const chunk of body) {
          bytes += chunk.byteLength;
          if (bytes > options.maxBytes) throw tooLarge(options.maxBytes);
          await handle.write(chunk);
        }
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await writeAtomically(this.metaPath(key), JSON.stringify({ contentType: options.contentType, cacheControl: options.cacheControl }), false);
      await rename(temp, path);
      return { bytes };
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
  }

  /**
   * Moves a finished file into place as `key` (flushed to disk first, as `put` flushes what it writes):
   * one rename instead of reading the file and writing it again. A file on another filesystem is written
   * the way `put` writes (temp file, flush, rename), and only then removed from `path`.
   */
  async adoptFile(key: string, path: string, options: PutOptions): Promise<{ bytes: number; modifiedAtMs: number } | undefined> {
    validateObjectKey(key);
    let info: Stats;
    try {
      const handle = await open(path, 'r');
      try {
        info = await handle.stat();
        if (!info.isFile()) return undefined;
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    await writeAtomically(this.metaPath(key), JSON.stringify({ contentType: options.contentType, cacheControl: options.cacheControl }), false);
    const target = this.pathFor(key);
    try {
      await renameCreatingFolder(path, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await writeAtomically(target, createReadStream(path), true);
      await unlink(path).catch(() => {});
    }
    return { bytes: info.size, modifiedAtMs: info.mtimeMs };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    validateObjectKey(key);
    try {
      return await readFile(this.pathFor(key));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const problem = keyProblem(prefix, true);
    if (problem) throw new ValidationError(`Invalid key prefix: ${problem}.`, [{ path: 'prefix', message: problem }]);
    // Only the folder named by the prefix's complete segments can hold matches; walk from there.
    const slash = prefix.lastIndexOf('/');
    const startDir = slash === -1 ? '' : prefix.slice(0, slash);
    const out: StoredObject[] = [];
    await this.walk(startDir, prefix, out);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keys: ReadonlyArray<string>): Promise<void> {
    keys.forEach(validateObjectKey);
    for (const key of keys) {
      await rm(this.pathFor(key), { force: true });
      await rm(this.metaPath(key), { force: true });
    }
  }

  /** Opens an object for streaming, or undefined when it does not exist. */
  async open(key: string): Promise<FsObjectReader | undefined> {
    validateObjectKey(key);
    let handle: FileHandle;
    try {
      handle = await open(this.pathFor(key), 'r');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    let info: Stats;
    try {
      // fstat on the open handle: size and body belong to the same version even if a put replaces the file.
      info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        return undefined;
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    const meta = await this.readMeta(key);
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    const reader: FsObjectReader = {
      key,
      size: info.size,
      modifiedAt: info.mtime,
      etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}-${info.ino.toString(16)}"`,
      stream: (range) => {
        closed = true; // the stream owns the handle now and closes it when done
        return handle.createReadStream(range ? { start: range.start, end: range.end, autoClose: true } : { autoClose: true });
      },
      close,
    };
    if (meta.contentType !== undefined) reader.contentType = meta.contentType;
    if (meta.cacheControl !== undefined) reader.cacheControl = meta.cacheControl;
    return reader;
  }

  /** The file that holds `key` (validated). */
  pathFor(key: string): string {
    validateObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  private metaPath(key: string): string {
    return join(this.root, META_DIR, ...key.split('/')) + '.json';
  }

  private async readMeta(key: string): Promise<{ contentType?: string; cacheControl?: string }> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.metaPath(key), 'utf8'));
      const out: { contentType?: string; cacheControl?: string } = {};
      if (parsed && typeof parsed === 'object') {
        const { contentType, cacheControl } = parsed as Record<string, unknown>;
        if (typeof contentType === 'string') out.contentType = contentType;
        if (typeof cacheControl === 'string') out.cacheControl = cacheControl;
      }
      return out;
    } catch {
      // Missing or damaged metadata is not fatal: the origin falls back to the extension's defaults.
      return {};
    }
  }

  private async walk(relDir: string, prefix: string, out: StoredObject[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(relDir === '' ? this.root : join(this.root, ...relDir.split('/')), { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // sidecars, temp files
      const key = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) {
        // Descend only where a match is possible: the folder is inside the prefix or the prefix inside it.
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        try {
          out.push({ key, size: (await stat(join(this.root, ...key.split('/')))).size });
        } catch (err) {
          if (!isMissing(err)) throw err; // deleted while listing: not there any more
        }
      }
    }
  }
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (typeof key !== 'string') return 'it must be a string';
  if (key === '') return isPrefix ? undefined : 'it is empty';
  if (key.length > MAX_KEY_LENGTH) return `it is longer than ${MAX_KEY_LENGTH} characters`;
  if (key.startsWith('/')) return 'it must be relative (no leading /)';
  if (key.includes('\\')) return 'it contains a backslash';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it contains NUL or control characters';
  const segments = key.split('/');
  // A prefix may end with `/` (all of a folder) or in the middle of a name.
  const checked = isPrefix ? segments.slice(0, -1) : segments;
  if (checked.some((s) => s === '')) return 'it contains an empty path segment';
  if (segments.some((s) => s.startsWith('.'))) return 'a path segment starts with "." (., .. and hidden names are not keys)';
  return undefined;
}

async function writeAtomically(path: string, body: Uint8Array | string | Readable, durable: boolean): Promise<void> {
  const dir = dirname(path);
  const temp = `${dir}${sep}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    // The folder almost always exists (every segment of a rendition lands in one): create it only when
    // the open says it is missing, rather than a recursive mkdir before every write.
    const handle = await open(temp, 'wx').catch(async (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true });
      return open(temp, 'wx');
    });
    try {
      await writeFile(handle, body);
      // Segments are deleted from scratch once put() returns, so the bytes must be on disk by then.
      if (durable) await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}

/** rename(2), creating the target's folder when the first try says it is missing (the source was checked). */
async function renameCreatingFolder(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function tooLarge(maxBytes: number): StreamplaneError {
  return new StreamplaneError('payload_too_large', `The body is over the limit of ${maxBytes} bytes.`);
}
