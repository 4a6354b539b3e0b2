/**
 * The LL-HLS side of the local origin: blocking playlist reloads (`?_HLS_msn=&_HLS_part=` held until the
 * part is listed, core/hls/blocking-reload.ts — the same wait the cloud's playlist function runs) and
 * preload-hinted parts streamed to the player while the packager still writes them (chunked, from the
 * in-process LivePartReader), falling back to the stored part.
 * Must never hold a request past the spec's bound, serve a part that is neither being written nor
 * stored, or answer a malformed directive with anything but a 400 problem+json.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { awaitPlaylist, parseDeliveryDirectives, type BlockingReloadResult } from '../../core/hls/blocking-reload';
import type { LivePartReader } from '../../core/ports/live-parts';
import { silentLogger, type Logger } from '../../core/ports/logger';
import type { ObjectStore } from '../../core/ports/object-store';

export interface LowLatencyOriginOptions {
  store: ObjectStore;
  liveParts?: LivePartReader;
  logger?: Logger;
  /** Between reads of a blocked playlist. Default 20 ms. */
  pollMs?: number;
}

/** A rendition's LL-HLS playlist and the parts named in it (containers/ingest/src/packager/ll/ll-rendition.ts). */
const LL_PLAYLIST = /^live\/[^/]+\/[^/]+\/ll\.m3u8$/;
const LL_PART = /^live\/[^/]+\/[^/]+\/ll-\d+-\d+\.m4s$/;
/** A hinted part is requested before it is opened only by a client slightly ahead: wait about a part for it. */
const PART_OPEN_WAIT_MS = 1_000;

export type PlaylistAnswer = BlockingReloadResult | undefined;

export class LowLatencyOrigin {
  private readonly logger: Logger;
  constructor(private readonly options: LowLatencyOriginOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** For an LL playlist request with delivery directives: the answer once it is due; undefined for any other request. */
  async playlist(key: string, rawQuery: string | undefined, signal: AbortSignal): Promise<PlaylistAnswer> {
    if (!LL_PLAYLIST.test(key) || !rawQuery) return undefined;
    const parsed = parseDeliveryDirectives(new URLSearchParams(rawQuery));
    if (!parsed.ok) return { status: 400, code: parsed.code, message: parsed.message };
    if (!parsed.directives) return undefined;
    const { store } = this.options;
    const pollMs = this.options.pollMs ?? 20;
    return awaitPlaylist(
      {
        read: async () => {
          const body = await store.get(key);
          return body === undefined ? undefined : Buffer.from(body).toString('utf8');
        },
        sleep: (ms) => new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        }),
        now: () => (signal.aborted ? Number.POSITIVE_INFINITY : performance.now()),
        pollMs,
      },
      parsed.directives,
    );
  }

  /**
   * A part that is not stored yet but being written: streamed as it grows. Returns false when `key` is not
   * an LL part or is already stored (the origin serves it from the store).
   */
  async part(req: IncomingMessage, res: ServerResponse, key: string, method: string): Promise<boolean> {
    const reader = this.options.liveParts;
    if (!reader || !LL_PART.test(key)) return false;
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let body = reader.follow(key, abort.signal);
    if (!body) {
      if (await this.options.store.get(key)) return false;
      if (!(await reader.waitForOpen(key, PART_OPEN_WAIT_MS))) return false;
      body = reader.follow(key, abort.signal);
      if (!body) return false; // opened and stored meanwhile: the store has it
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'video/mp4');
    // Complete once the response ends, and never different: as cacheable as any stored part.
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    if (method === 'HEAD') {
      res.end();
      return true;
    }
    res.flushHeaders();
    try {
      for await (const chunk of body) {
        if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
      }
      res.end();
    } catch (err) {
      this.logger.debug('origin: hinted part stream ended early', { key, error: err instanceof Error ? err.message : String(err) });
      res.destroy();
    }
    void req;
    return true;
  }
}

/** The wire form of a non-200 answer: problem+json, never cached (the state changes within a part). */
export function sendBlockingProblem(res: ServerResponse, answer: Exclude<BlockingReloadResult, { status: 200 }>): void {
  const body = JSON.stringify({ type: `urn:streamplane:problem:${answer.code}`, title: answer.code === 'playlist_not_ready' ? 'Service Unavailable' : answer.status === 404 ? 'Not Found' : 'Bad Request', status: answer.status, code: answer.code, detail: answer.message });
  res.statusCode = answer.status;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/problem+json');
  if (answer.status === 503) res.setHeader('Retry-After', String(answer.retryAfterSeconds));
  res.setHeader('Content-Length', String(Buffer.byteLength(body)));
  res.end(body);
}
