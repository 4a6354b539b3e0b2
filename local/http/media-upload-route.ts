/**
 * `PUT /uploads/media/<mediaId>?expires=…&token=…`: the local plane's stand-in for a presigned S3 PUT.
 * The body (the file's raw bytes) is streamed into the object store — never held in memory whole — and,
 * once every byte is stored, an S3-shaped notification goes to the probe queue.
 *
 * Refusals, each a problem+json with a stable code: a wrong or tampered token 403 `forbidden`, an expired
 * one 403 `upload_expired`, an item that is not waiting for its file 409 `conflict`, a body over the
 * limit 413 `payload_too_large` (the item fails with "too large" and nothing is kept).
 * Must never: keep a byte of a refused upload, or read the body before the token was checked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isId } from '../../core/ids';
import { acceptsUpload, failUpload, type MediaLibraryDeps } from '../../core/media-library/library';
import { tooLargeMessage } from '../../core/media-library/media-item';
import { checkUploadToken } from '../../core/media-library/upload-token';
import type { Logger } from '../../core/ports/logger';
import type { ObjectStore, StreamingObjectStore } from '../../core/ports/object-store';
import { StreamplaneError } from '../../core/errors';
import { lingerOnClose } from '../../adapters/http-lingering-close';
import { sendJson, sendProblem, type Route } from './plane-http-server';

export const UPLOAD_PATH_PREFIX = '/uploads/media/';

export interface MediaUploadRouteOptions extends MediaLibraryDeps {
  objectStore: StreamingObjectStore & Pick<ObjectStore, 'delete'>;
  /** The HMAC secret upload URLs are signed with. */
  secret: () => string;
  maxBytes: number;
  /** Called once the file is stored (the probe queue). */
  stored(objectKey: string, bytes: number): Promise<void>;
  logger: Logger;
}

/** The upload URL of an item (path and query; the caller prefixes the plane's base URL). */
export function uploadPath(mediaId: string, expires: number, token: string): string {
  return `${UPLOAD_PATH_PREFIX}${mediaId}?expires=${expires}&token=${token}`;
}

export function createMediaUploadRoute(options: MediaUploadRouteOptions): Route {
  return async (req, res, url) => {
    if (!url.pathname.startsWith(UPLOAD_PATH_PREFIX)) return false;
    const mediaId = url.pathname.slice(UPLOAD_PATH_PREFIX.length);
    if (!isId('media', mediaId)) {
      refuse(req, res, 404, 'not_found', 'Not Found', 'No such upload.');
      return true;
    }
    if (req.method !== 'PUT') {
      res.setHeader('allow', 'PUT');
      refuse(req, res, 405, 'method_not_allowed', 'Method Not Allowed', 'Uploads are PUT requests with the file as the body.');
      return true;
    }
    const check = checkUploadToken(options.secret(), { mediaId, expires: url.searchParams.get('expires'), token: url.searchParams.get('token') }, options.clock.now());
    if (!check.ok) {
      if (check.reason === 'expired') refuse(req, res, 403, 'upload_expired', 'Forbidden', 'The upload URL has expired; create a new item.');
      else refuse(req, res, 403, 'forbidden', 'Forbidden', 'The upload URL is not valid (wrong or altered token).');
      return true;
    }
    const item = await options.media.get(mediaId);
    if (!item) {
      refuse(req, res, 404, 'not_found', 'Not Found', `No media with id ${mediaId}.`);
      return true;
    }
    if (!acceptsUpload(item, options.clock.now())) {
      refuse(req, res, 409, 'conflict', 'Conflict', `Media ${mediaId} is ${item.status}; it takes no more uploads.`);
      return true;
    }
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    try {
      const { bytes } = await options.objectStore.putStream(item.objectKey, req, {
        maxBytes: options.maxBytes,
        ...(declared !== undefined && Number.isSafeInteger(declared) ? { contentLength: declared } : {}),
        contentType: 'application/octet-stream',
        cacheControl: 'private, no-store',
      });
      await options.stored(item.objectKey, bytes);
      sendJson(res, 200, { id: item.id, status: 'uploading', bytes });
    } catch (err) {
      if (err instanceof StreamplaneError && err.code === 'payload_too_large') {
        await failUpload(options, item, 'too_large', tooLargeMessage(options.maxBytes));
        refuse(req, res, 413, 'payload_too_large', 'Content Too Large', `The file is over the upload limit of ${options.maxBytes} bytes; nothing was kept.`);
        return true;
      }
      // The client went away mid-upload: nothing was kept, and the item still takes a new PUT.
      if (req.destroyed || req.readableAborted) {
        options.logger.info('media upload: the client left before the upload completed', { mediaId });
        return true;
      }
      throw err;
    }
    return true;
  };
}

/** Answers and closes the connection: the body (possibly gigabytes) is never read. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: string, title: string, detail: string): void {
  res.setHeader('connection', 'close');
  // A client still sending the body must get to read this answer before the connection goes.
  // (`req.socket` is gone once a body read is abandoned mid-way; the response keeps its own.)
  const socket = res.socket ?? req.socket;
  if (!req.complete && socket) lingerOnClose(socket);
  sendProblem(res, status, code, title, detail);
}
