/**
 * Blocking playlist reloads of LL-HLS (RFC 8216bis §6.2.5.2): the delivery directives of a request
 * (`_HLS_msn`, `_HLS_part`, `_HLS_skip`), the verdict on a playlist as it stands (answer now, keep
 * waiting, or refuse), and the wait itself over an injected reader and sleep — the one implementation
 * the local origin and the cloud's playlist function both run.
 * Must never hold a request longer than the spec's bound (three target durations) or read a real clock
 * or timer: `now` and `sleep` are the caller's.
 */
import { lastPartOf, parseLlMediaPlaylist, type ParsedLlPlaylist } from './ll-playlist';
import { PlaylistError } from './playlist';

export interface DeliveryDirectives {
  msn: number;
  part?: number;
  /** `_HLS_skip=YES|v2`: accepted and ignored — we never advertise CAN-SKIP-UNTIL, so the full playlist is the answer. */
  skip?: string;
}

export type DirectivesResult =
  | { ok: true; directives: DeliveryDirectives | undefined }
  | { ok: false; code: 'invalid_delivery_directive'; message: string };

/** Advance Part Limit of the spec: a request for a part further ahead than this is refused. */
export const ADVANCE_PART_LIMIT = 3;
/** A request for a segment further ahead than last + this is refused. */
export const ADVANCE_SEGMENT_LIMIT = 2;

/** The directives of a playlist request's query, or undefined for a plain (non-blocking) request. */
export function parseDeliveryDirectives(query: URLSearchParams): DirectivesResult {
  const msn = query.get('_HLS_msn');
  const part = query.get('_HLS_part');
  const skip = query.get('_HLS_skip');
  if (msn === null) {
    if (part !== null) return { ok: false, code: 'invalid_delivery_directive', message: '_HLS_part needs _HLS_msn.' };
    return { ok: true, directives: undefined };
  }
  if (!/^\d{1,15}$/.test(msn)) return { ok: false, code: 'invalid_delivery_directive', message: '_HLS_msn must be a non-negative decimal integer.' };
  if (part !== null && !/^\d{1,6}$/.test(part)) return { ok: false, code: 'invalid_delivery_directive', message: '_HLS_part must be a non-negative decimal integer.' };
  if (skip !== null && skip !== 'YES' && skip !== 'v2') return { ok: false, code: 'invalid_delivery_directive', message: '_HLS_skip must be YES or v2.' };
  return { ok: true, directives: { msn: Number(msn), ...(part !== null ? { part: Number(part) } : {}), ...(skip !== null ? { skip } : {}) } };
}

export type BlockingVerdict = 'ready' | 'wait' | 'too_far_ahead';

/**
 * Whether `playlist` already holds what `directives` ask for. A part index past the end of a complete
 * segment means the first part of the next one (so the next segment's part 0 satisfies it).
 */
export function blockingVerdict(playlist: ParsedLlPlaylist, directives: DeliveryDirectives): BlockingVerdict {
  if (playlist.endList) return 'ready';
  const lastComplete = playlist.segments.length > 0 ? playlist.mediaSequence + playlist.segments.length - 1 : undefined;
  const lastPart = lastPartOf(playlist);
  const lastMsn = Math.max(lastComplete ?? -1, lastPart?.msn ?? -1);
  if (directives.msn > lastMsn + ADVANCE_SEGMENT_LIMIT) return 'too_far_ahead';
  if (directives.part === undefined) return lastComplete !== undefined && lastComplete >= directives.msn ? 'ready' : 'wait';
  if (lastPart && (lastPart.msn > directives.msn || (lastPart.msn === directives.msn && lastPart.part >= directives.part))) return 'ready';
  if (lastPart && directives.msn === lastPart.msn && directives.part > lastPart.part + ADVANCE_PART_LIMIT) return 'too_far_ahead';
  return 'wait';
}

export interface BlockingReloadDeps {
  /** The playlist as stored now; undefined when there is none (yet). */
  read(): Promise<string | undefined>;
  /** Resolves after at most `ms` (earlier when the playlist may have changed). */
  sleep(ms: number): Promise<void>;
  /** Milliseconds on any monotonic scale. */
  now(): number;
  /** Between two reads when nothing signals a change. Default 50 ms. */
  pollMs?: number;
  /** Until the first playlist exists, how long to wait (no target duration known yet). Default 6 s. */
  noPlaylistWaitMs?: number;
}

export type BlockingReloadResult =
  | { status: 200; body: string }
  | { status: 400; code: 'invalid_delivery_directive'; message: string }
  | { status: 404; code: 'not_found'; message: string }
  | { status: 503; code: 'playlist_not_ready'; message: string; retryAfterSeconds: number };

/**
 * Holds until the playlist holds the requested segment or part, then answers it; after three target
 * durations 503 (the spec's bound); 400 for a request too far ahead of the playlist. A playlist that is
 * not LL-HLS (no PART-TARGET) is answered as it is: nothing in it can be waited for.
 */
export async function awaitPlaylist(deps: BlockingReloadDeps, directives: DeliveryDirectives): Promise<BlockingReloadResult> {
  const started = deps.now();
  const pollMs = deps.pollMs ?? 50;
  let deadline = started + (deps.noPlaylistWaitMs ?? 6_000);
  for (;;) {
    const text = await deps.read();
    if (text !== undefined) {
      let playlist: ParsedLlPlaylist;
      try {
        playlist = parseLlMediaPlaylist(text);
      } catch (err) {
        if (!(err instanceof PlaylistError)) throw err;
        return { status: 200, body: text }; // not ours to judge: served as stored
      }
      if (playlist.partTarget === undefined) return { status: 200, body: text };
      deadline = started + 3 * playlist.targetDuration * 1000;
      const verdict = blockingVerdict(playlist, directives);
      if (verdict === 'ready') return { status: 200, body: text };
      if (verdict === 'too_far_ahead') {
        return { status: 400, code: 'invalid_delivery_directive', message: `_HLS_msn=${directives.msn}${directives.part !== undefined ? ` _HLS_part=${directives.part}` : ''} is further ahead of the playlist than a client may ask.` };
      }
      if (deps.now() >= deadline) {
        return { status: 503, code: 'playlist_not_ready', message: 'The requested segment or part did not appear within three target durations.', retryAfterSeconds: Math.max(1, Math.round(playlist.targetDuration)) };
      }
    } else if (deps.now() >= deadline) {
      return { status: 404, code: 'not_found', message: 'No such playlist.' };
    }
    await deps.sleep(Math.max(1, Math.min(pollMs, deadline - deps.now())));
  }
}
