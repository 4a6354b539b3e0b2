/**
 * MPEG-TS over HTTP push: `PUT` or `POST /ingest/STREAM_KEY` with a (chunked) MPEG-TS body, which is what
 * `ffmpeg -f mpegts -method PUT URL` sends. The first bytes must be transport packets (else 400, nothing
 * starts); the publish gate then decides with the caller's address (refusals as problem+json with a
 * stable code), and the body is relayed into the post-gate path. The request ending is the publisher
 * going away; a body that stalls for the idle timeout is cut the same way.
 *
 * Must never: run the gate or start ffmpeg for a body that is not MPEG-TS, log the key (it is in the
 * path), or hold more than the sniffed head in memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import { SNIFF_BYTES, sniffMpegTs } from '../handoff/mpegts-sniff';
import type { Admission, TsIngest } from '../handoff/ts-ingest';
import { lingerOnClose } from '../../../../adapters/http-lingering-close';

export const HTTP_INGEST_PREFIX = '/ingest/';

export type HttpRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface TsPushRouteOptions {
  ingest: TsIngest;
  logger: Logger;
  metrics: Metrics;
  /** A push that sends nothing for this long is treated as gone (default 30 s). */
  idleTimeoutMs?: number;
  /** How long the first bytes may take to arrive (default 10 s). */
  headTimeoutMs?: number;
}

/** Whether a request is a live MPEG-TS push (exempt from the HTTP server's whole-request timeout). */
export function isTsPush(req: IncomingMessage): boolean {
  return (req.method === 'PUT' || req.method === 'POST') && (req.url ?? '').startsWith(HTTP_INGEST_PREFIX);
}

const REFUSALS: Record<Exclude<Admission, { allowed: true }>['reason'], { status: number; detail: string }> = {
  malformed_key: { status: 403, detail: 'The stream key is not valid.' },
  unknown_key: { status: 403, detail: 'The stream key is not valid.' },
  wrong_app: { status: 403, detail: 'The stream key is not valid.' },
  disabled: { status: 403, detail: 'The stream is disabled.' },
  already_publishing: { status: 409, detail: 'Someone is already publishing to this stream.' },
  wrong_cell: { status: 421, detail: 'This stream publishes to another ingest cell: use the URL the API gives for it.' },
  rate_limited: { status: 429, detail: 'Too many refused publishes from this address; try again later.' },
  gate_error: { status: 503, detail: 'The publish could not be authorized right now; try again.' },
};

export function tsPushRoute(options: TsPushRouteOptions): HttpRoute {
  return async (req, res, url) => {
    if (!url.pathname.startsWith(HTTP_INGEST_PREFIX)) return false;
    if (req.method !== 'PUT' && req.method !== 'POST') {
      res.setHeader('allow', 'PUT, POST');
      problem(res, 405, 'method_not_allowed', 'Method Not Allowed', 'Push MPEG-TS with PUT or POST.');
      return true;
    }
    let streamKey: string;
    try {
      streamKey = decodeURIComponent(url.pathname.slice(HTTP_INGEST_PREFIX.length));
    } catch {
      streamKey = '';
    }
    const remoteAddress = req.socket.remoteAddress ?? 'unknown';
    const head = await readHead(req, options.headTimeoutMs ?? 10_000);
    if (head === undefined || sniffMpegTs(head) !== 'mpegts') {
      options.metrics.count('publish_rejected', 1, { reason: 'not_mpegts' });
      options.logger.warn('http-ts: refused a push whose body is not MPEG-TS', { remoteAddress, bytes: head?.length ?? 0 });
      problem(res, 400, 'not_mpegts', 'Bad Request', `The body must be an MPEG-TS stream (188-byte packets starting with 0x47); the first ${SNIFF_BYTES} bytes are not.`);
      lingerOnClose(req.socket);
      req.socket.destroySoon();
      return true;
    }
    const admission = await options.ingest.admit({ streamKey, remoteAddress, protocol: 'http-ts' });
    if (!admission.allowed) {
      const refusal = REFUSALS[admission.reason];
      problem(res, refusal.status, admission.reason === 'gate_error' ? 'unavailable' : 'publish_refused', 'Publish refused', refusal.detail, admission.reason);
      lingerOnClose(req.socket);
      req.socket.destroySoon();
      return true;
    }
    req.socket.setTimeout(options.idleTimeoutMs ?? 30_000, () => {
      options.logger.warn('http-ts: push sent nothing for too long; disconnecting', { streamId: admission.decision.streamId });
      req.socket.destroy();
    });
    let cut = false;
    await options.ingest.run({
      token: admission.token,
      head,
      source: req,
      cut: () => {
        if (cut) return;
        cut = true;
        if (req.readableEnded && !res.headersSent) {
          res.writeHead(204).end();
        } else req.socket.destroy();
      },
    });
    return true;
  };
}

/** The first SNIFF_BYTES of the body (or all of a shorter one); undefined if nothing came in time. */
function readHead(req: IncomingMessage, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (result: Buffer | undefined) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onEnd);
      req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= SNIFF_BYTES) finish(Buffer.concat(chunks));
    };
    const onEnd = () => finish(length > 0 ? Buffer.concat(chunks) : undefined);
    const timer = setTimeout(() => finish(length > 0 ? Buffer.concat(chunks) : undefined), timeoutMs);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onEnd);
  });
}

function problem(res: ServerResponse, status: number, code: string, title: string, detail: string, reason?: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store', connection: 'close' });
  res.end(JSON.stringify({ type: `urn:streamplane:problem:${code}`, title, status, code, detail, ...(reason ? { reason } : {}) }));
}
