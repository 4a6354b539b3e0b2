/**
 * The local plane's HLS origin (the CloudFront + S3 stand-in): serves GET/HEAD of playlists and media
 * under configured prefixes (`/live/`, `/vod/`, `/recordings/`) from an object store, with CDN-style
 * cache headers, CORS for browser players, ETags and byte ranges (AVPlayer needs ranges for mp4).
 * Must never map a request to anything but a validated object key: hostile paths are refused before any
 * store (or filesystem) call, and errors never leak internals to the client.
 *
 * Signed playback (`access`): every playlist, segment and thumbnail of a signed stream or recording is
 * refused with 403 problem+json unless its `?token=` checks out (core/playback/playback-access.ts), before
 * the object is even opened; playlists are then rewritten so their URIs carry a derived token, and CORS
 * names the token's `allowedOrigin` instead of `*`. Public media takes the path it always took. Tokens
 * never reach a log line (`redactToken`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { FsObjectStore } from '../../adapters/fs-object-store';
import type { ObjectStore } from '../../core/ports/object-store';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { rewritePlaylist, type AccessDecision, type Grant } from '../../core/playback/playback-access';
import { REFUSAL_MESSAGES } from '../../core/playback/viewer-token';
import { sendBlockingProblem, type LowLatencyOrigin } from './ll-origin';

/** One opened object: metadata plus a body that can be streamed once (whole or a byte range). */
export interface OriginObject {
  size: number;
  /** Stored content type; the extension's default is used when absent. */
  contentType?: string;
  /** Stored cache control; the extension's default is used when absent. */
  cacheControl?: string;
  etag?: string;
  modifiedAt?: Date;
  /** `end` is inclusive, like HTTP ranges. */
  stream(range?: { start: number; end: number }): Readable;
  close(): Promise<void>;
}

/**
 * Where the origin reads from. FsObjectStore implements it directly (streams from an open file); any other
 * ObjectStore is adapted with `originSourceFromObjectStore` (whole object through `get`).
 */
export interface OriginSource {
  open(key: string): Promise<OriginObject | undefined>;
}

export interface HlsOriginOptions {
  /** Where objects come from. An FsObjectStore is streamed from disk; any other ObjectStore is read whole. */
  source?: OriginSource | ObjectStore;
  /** Same as `source` (for callers that hold the plane's ObjectStore). */
  objectStore?: ObjectStore;
  /** Streams from an FsObjectStore rooted at this folder; wins over `source`/`objectStore`. */
  rootDir?: string;
  /** Top-level key prefixes served, e.g. `live` or `live/`. Default `['live', 'vod', 'recordings']`. */
  prefixes?: ReadonlyArray<string>;
  /** `Access-Control-Allow-Origin`. Default `*`: playlists and segments are public by URL. */
  allowOrigin?: string;
  logger?: Logger;
  /** Playback policy enforcement; without it everything under the prefixes is public (as before). */
  access?: OriginAccessControl;
  /** LL-HLS: blocking playlist reloads and hinted parts streamed while written (ll-origin.ts). */
  lowLatency?: LowLatencyOrigin;
}

/** What the origin asks before serving a key, and the secret it mints derived tokens with. */
export interface OriginAccessControl {
  decide(key: string, token: string | undefined, requestOrigin: string | undefined): Promise<AccessDecision>;
  secret: Buffer;
}

/** A URL or path with every `token=` value replaced, for log lines. */
export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1REDACTED');
}

/** Signed playlists are per viewer (their URIs carry the viewer's derived token): never shared by a cache. */
export const SIGNED_PLAYLIST_CACHE_CONTROL = 'private, no-store';

/** Returns false when the path is not under a served prefix, so the caller can try other routes. */
export type HlsOriginHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean>;

/**
 * Live playlists change every segment: one second keeps the CDN from serving a stale window for long while
 * still collapsing a crowd's refreshes into one origin fetch. Segments never change once published.
 */
export const PLAYLIST_CACHE_CONTROL = 'public, max-age=1';
export const SEGMENT_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const THUMBNAIL_CACHE_CONTROL = 'public, max-age=10';

const MEDIA_TYPES: Record<string, { contentType: string; cacheControl: string }> = {
  m3u8: { contentType: 'application/vnd.apple.mpegurl', cacheControl: PLAYLIST_CACHE_CONTROL },
  ts: { contentType: 'video/mp2t', cacheControl: SEGMENT_CACHE_CONTROL },
  aac: { contentType: 'audio/aac', cacheControl: SEGMENT_CACHE_CONTROL },
  mp4: { contentType: 'video/mp4', cacheControl: SEGMENT_CACHE_CONTROL },
  m4s: { contentType: 'video/mp4', cacheControl: SEGMENT_CACHE_CONTROL },
  m4a: { contentType: 'audio/mp4', cacheControl: SEGMENT_CACHE_CONTROL },
  vtt: { contentType: 'text/vtt; charset=utf-8', cacheControl: SEGMENT_CACHE_CONTROL },
  // Thumbnails are replaced every few seconds (10 by default) while live: cache about that long.
  jpg: { contentType: 'image/jpeg', cacheControl: THUMBNAIL_CACHE_CONTROL },
};

/** The media type and default cache policy for a key, or undefined for extensions the origin does not serve. */
export function mediaTypeFor(key: string): { contentType: string; cacheControl: string } | undefined {
  const dot = key.lastIndexOf('.');
  if (dot === -1 || dot < key.lastIndexOf('/')) return undefined;
  return MEDIA_TYPES[key.slice(dot + 1).toLowerCase()];
}

const MAX_PATH_LENGTH = 1024;
const ALLOW_METHODS = 'GET, HEAD, OPTIONS';
const EXPOSE_HEADERS = 'Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified';
const ALLOW_HEADERS = 'Range, If-None-Match, If-Modified-Since, If-Range, Origin, Accept';

/** The origin as an object, for callers that keep it around: `origin.handle(req, res, pathname)`. */
export class HlsOrigin {
  readonly handle: HlsOriginHandler;
  constructor(options: HlsOriginOptions) {
    this.handle = createHlsOrigin(options);
  }
}

export function createHlsOrigin(options: HlsOriginOptions): HlsOriginHandler {
  const given = options.rootDir !== undefined ? new FsObjectStore(options.rootDir) : (options.source ?? options.objectStore);
  if (!given) throw new TypeError('HLS origin needs a source, objectStore or rootDir');
  const source = isOriginSource(given) ? given : originSourceFromObjectStore(given);
  const prefixes = (options.prefixes ?? ['live', 'vod', 'recordings']).map((raw) => {
    const p = raw.replace(/^\/+|\/+$/g, '');
    if (!/^[A-Za-z0-9_-]+$/.test(p)) throw new TypeError(`HLS origin prefix ${JSON.stringify(raw)} must be one path segment of [A-Za-z0-9_-]`);
    return `/${p}/`;
  });
  const allowOrigin = options.allowOrigin ?? '*';
  const logger = options.logger ?? silentLogger;

  return async (req, res, pathname) => {
    // Matched on the raw path: an encoded prefix is not ours, and other routes will 404 it.
    if (!prefixes.some((p) => pathname.startsWith(p))) return false;
    setCors(res, allowOrigin);

    const key = keyFromPath(pathname);
    if (key === undefined) {
      sendError(res, 400, 'Bad request path');
      return true;
    }
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
      res.setHeader('Access-Control-Max-Age', '86400');
      res.end();
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', ALLOW_METHODS);
      sendError(res, 405, 'Method not allowed');
      return true;
    }
    const type = mediaTypeFor(key);
    if (!type) {
      sendError(res, 404, 'Not found');
      return true;
    }

    let grant: Grant | undefined;
    if (options.access) {
      const token = tokenOf(req.url);
      const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
      let decision: AccessDecision;
      try {
        decision = await options.access.decide(key, token, origin);
      } catch (err) {
        logger.error('origin: playback access check failed', { key, error: err instanceof Error ? err : String(err) });
        sendError(res, 500, 'Internal error');
        return true;
      }
      if (!decision.allow) {
        logger.info('origin: playback refused', { path: redactToken(req.url ?? pathname), reason: decision.reason });
        sendForbidden(res, decision.reason);
        return true;
      }
      if (decision.signed) {
        grant = decision.grant;
        if (grant.allowedOrigin) setCors(res, grant.allowedOrigin);
      }
    }

    if (options.lowLatency && (await serveLowLatency(req, res, method, key, options.lowLatency, grant, options.access?.secret))) return true;

    let object: OriginObject | undefined;
    try {
      object = await source.open(key);
    } catch (err) {
      logger.error('origin: could not open object', { key, error: err instanceof Error ? err : String(err) });
      sendError(res, 500, 'Internal error');
      return true;
    }
    if (!object) {
      sendError(res, 404, 'Not found');
      return true;
    }
    if (grant && key.endsWith('.m3u8') && options.access) {
      await serveSignedPlaylist(res, method, object, key, grant, options.access.secret, logger);
      return true;
    }
    await serveObject(req, res, method, object, type, logger, key);
    return true;
  };
}

/** A blocking LL-HLS playlist request or a hinted part being written; false for anything else. */
async function serveLowLatency(req: IncomingMessage, res: ServerResponse, method: string, key: string, ll: LowLatencyOrigin, grant: Grant | undefined, secret: Buffer | undefined): Promise<boolean> {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const answer = await ll.playlist(key, req.url?.split('?')[1], abort.signal);
  if (!answer) return ll.part(req, res, key, method);
  if (answer.status !== 200) {
    sendBlockingProblem(res, answer);
    return true;
  }
  const body = Buffer.from(grant && secret ? rewritePlaylist(answer.body, key, grant, secret) : answer.body);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/vnd.apple.mpegurl');
  // The URL names the part it waited for: a CDN may cache it like any playlist (signed ones: per viewer).
  res.setHeader('Cache-Control', grant ? SIGNED_PLAYLIST_CACHE_CONTROL : PLAYLIST_CACHE_CONTROL);
  res.setHeader('Content-Length', String(body.length));
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}

/** Adapts any ObjectStore (S3, in-memory) to the origin: reads the whole object, which is fine for segments. */
export function originSourceFromObjectStore(store: ObjectStore): OriginSource {
  return {
    async open(key) {
      const body = await store.get(key);
      if (!body) return undefined;
      const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      return {
        size: bytes.length,
        etag: `"${createHash('sha1').update(bytes).digest('base64url')}"`,
        stream: (range) => Readable.from(range ? [bytes.subarray(range.start, range.end + 1)] : [bytes]),
        close: async () => {},
      };
    },
  };
}

async function serveObject(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  object: OriginObject,
  type: { contentType: string; cacheControl: string },
  logger: Logger,
  key: string,
): Promise<void> {
  let streaming = false;
  try {
    res.setHeader('Content-Type', object.contentType ?? type.contentType);
    res.setHeader('Cache-Control', object.cacheControl ?? type.cacheControl);
    res.setHeader('Accept-Ranges', 'bytes');
    if (object.etag) res.setHeader('ETag', object.etag);
    if (object.modifiedAt) res.setHeader('Last-Modified', object.modifiedAt.toUTCString());

    if (object.etag && etagMatches(req.headers['if-none-match'], object.etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }

    let range: { start: number; end: number } | undefined;
    const rangeHeader = req.headers.range;
    // If-Range with a stale validator means "send the whole new version" (RFC 9110 §13.1.5).
    const ifRange = req.headers['if-range'];
    if (rangeHeader !== undefined && (ifRange === undefined || (object.etag !== undefined && ifRange === object.etag))) {
      const parsed = parseRange(rangeHeader, object.size);
      if (parsed === 'unsatisfiable') {
        res.statusCode = 416;
        res.setHeader('Content-Range', `bytes */${object.size}`);
        res.setHeader('Content-Length', '0');
        res.end();
        return;
      }
      range = parsed;
    }

    if (range) {
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${object.size}`);
      res.setHeader('Content-Length', String(range.end - range.start + 1));
    } else {
      res.statusCode = 200;
      res.setHeader('Content-Length', String(object.size));
    }
    if (method === 'HEAD' || object.size === 0) {
      res.end();
      return;
    }
    streaming = true;
    await pipeline(object.stream(range), res);
  } catch (err) {
    // A player that seeks or closes the tab aborts mid-body: normal, not worth more than a debug line.
    if (isClientAbort(err, res)) logger.debug('origin: client went away', { key });
    else {
      logger.error('origin: failed to serve object', { key, error: err instanceof Error ? err : String(err) });
      if (!res.headersSent) sendError(res, 500, 'Internal error');
      else res.destroy();
    }
  } finally {
    if (!streaming) await object.close().catch(() => {});
  }
}

/**
 * The object key for a raw (still percent-encoded) request path, or undefined when the path is hostile or
 * malformed: undecodable escapes, encoded slashes, NUL/control characters, backslashes, empty, `.`, `..`
 * or dot-leading segments. Decoding happens once, so `%252e%252e` stays a literal (harmless) name.
 */
export function keyFromPath(pathname: string): string | undefined {
  if (pathname.length > MAX_PATH_LENGTH || !pathname.startsWith('/')) return undefined;
  if (/%2f|%5c/i.test(pathname)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname.slice(1));
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (decoded.includes('\\') || /[\u0000-\u001f\u007f]/.test(decoded)) return undefined;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.'))) return undefined;
  return decoded;
}

/** A single byte range within `size`, 'unsatisfiable', or undefined to ignore the header (serve 200). */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Multiple ranges or other units: RFC 9110 lets a server ignore Range and send the whole object.
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return undefined;
  return { start, end };
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag.replace(/^W\//, ''));
}

function setCors(res: ServerResponse, allowOrigin: string): void {
  res.setHeader('Access-Control-Allow-Origin', allowOrigin);
  res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
  res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  if (allowOrigin !== '*') res.setHeader('Vary', 'Origin');
}

function tokenOf(rawUrl: string | undefined): string | undefined {
  const query = rawUrl?.split('?')[1];
  if (!query) return undefined;
  return new URLSearchParams(query).get('token') ?? undefined;
}

/** 403 problem+json: no media bytes, never cached, and a reason a developer can act on (no token echoed). */
function sendForbidden(res: ServerResponse, reason: keyof typeof REFUSAL_MESSAGES): void {
  const body = JSON.stringify({ type: 'urn:streamplane:problem:forbidden', title: 'Forbidden', status: 403, code: 'forbidden', reason, detail: REFUSAL_MESSAGES[reason] });
  res.statusCode = 403;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/problem+json');
  res.setHeader('Content-Length', String(Buffer.byteLength(body)));
  res.end(body);
}

async function serveSignedPlaylist(res: ServerResponse, method: string, object: OriginObject, key: string, grant: Grant, secret: Buffer, logger: Logger): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of object.stream()) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
    const body = Buffer.from(rewritePlaylist(Buffer.concat(chunks).toString('utf8'), key, grant, secret));
    res.statusCode = 200;
    res.setHeader('Content-Type', object.contentType ?? 'application/vnd.apple.mpegurl');
    res.setHeader('Cache-Control', SIGNED_PLAYLIST_CACHE_CONTROL);
    res.setHeader('Content-Length', String(body.length));
    res.end(method === 'HEAD' ? undefined : body);
  } catch (err) {
    logger.error('origin: failed to serve a signed playlist', { key, error: err instanceof Error ? err : String(err) });
    if (!res.headersSent) sendError(res, 500, 'Internal error');
    else res.destroy();
  } finally {
    await object.close().catch(() => {});
  }
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  // Errors must not stick in a CDN: a playlist that 404s now may exist a second later.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', String(Buffer.byteLength(message)));
  res.end(message);
}

function isOriginSource(source: OriginSource | ObjectStore): source is OriginSource {
  return typeof (source as Partial<OriginSource>).open === 'function';
}

function isClientAbort(err: unknown, res: ServerResponse): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return res.destroyed || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE';
}
