/**
 * Low-latency HLS media playlists (RFC 8216bis, "LL-HLS"): a pure writer for a rendition's live playlist
 * with Partial Segments (EXT-X-PART-INF, EXT-X-PART, EXT-X-PRELOAD-HINT, EXT-X-SERVER-CONTROL,
 * EXT-X-RENDITION-REPORT) and a parser that reads back what blocking reloads and tests need.
 * The writer refuses a playlist a player would reject: a part longer than PART-TARGET, a PART-HOLD-BACK
 * under twice PART-TARGET, non-consecutive sequence numbers, or a segment longer than the target duration.
 * Must never do I/O or read a clock: every value comes from the caller.
 */
import { formatDuration, PlaylistError, targetDurationFor } from './playlist';

export interface LlPart {
  uri: string;
  /** Seconds; at most the playlist's part target. */
  duration: number;
  /** The part starts with a keyframe (a player may start decoding there). */
  independent: boolean;
}

export interface LlSegment {
  sequence: number;
  uri: string;
  duration: number;
  /** The discontinuity sequence number of the segment (fixed for its life, as in playlist.ts). */
  discontinuitySequence: number;
  /** First segment of a new discontinuity domain (a transcoder run, a reconnect). */
  discontinuity?: boolean;
  /** The initialization section (EXT-X-MAP) of the segment's run. */
  mapUri: string;
  programDateTime?: string;
  /** The parts the segment was published as; written only for recent segments (see `partWindowSeconds`). */
  parts: ReadonlyArray<LlPart>;
}

/** The segment still being produced: its parts so far, no EXTINF yet. */
export interface LlPendingSegment {
  sequence: number;
  discontinuitySequence: number;
  discontinuity?: boolean;
  mapUri: string;
  programDateTime?: string;
  parts: ReadonlyArray<LlPart>;
}

export interface LlRenditionReport {
  /** URI of the other rendition's playlist, relative to this one. */
  uri: string;
  lastMsn: number;
  lastPart: number;
}

export interface LlPlaylistInput {
  /** Lower bound for EXT-X-TARGETDURATION (callers keep it from shrinking, as in playlist.ts). */
  targetDuration: number;
  /** EXT-X-PART-INF PART-TARGET, seconds. */
  partTarget: number;
  /** Complete segments, consecutive. */
  segments: ReadonlyArray<LlSegment>;
  pending?: LlPendingSegment;
  /** URI of the part being written next (EXT-X-PRELOAD-HINT TYPE=PART). */
  preloadHintUri?: string;
  renditionReports?: ReadonlyArray<LlRenditionReport>;
  /** Default 3 × partTarget (the spec's SHOULD); never under 2 × partTarget (its MUST). */
  partHoldBack?: number;
  endList?: boolean;
}

/** EXT-X-MAP outside I-frame playlists needs version 6; EXT-X-SERVER-CONTROL attributes as of version 9. */
export const LL_PLAYLIST_VERSION = 9;

/**
 * Parts are listed for the segments of the last this-many target durations: the spec says parts older
 * than three target durations SHOULD be removed; players joining at the live edge need only those.
 */
const PART_WINDOW_TARGETS = 3;

export function writeLlMediaPlaylist(input: LlPlaylistInput): string {
  const { partTarget } = input;
  if (!(Number.isFinite(partTarget) && partTarget > 0)) throw new PlaylistError('partTarget must be a positive number of seconds');
  const partHoldBack = input.partHoldBack ?? 3 * partTarget;
  if (partHoldBack < 2 * partTarget) throw new PlaylistError(`PART-HOLD-BACK ${partHoldBack} is under twice PART-TARGET ${partTarget}`);
  const segments = input.segments;
  const first = segments[0] ?? input.pending;
  if (!first) throw new PlaylistError('a low-latency playlist needs a segment or a pending part');
  const all: Array<{ sequence: number; discontinuitySequence: number; discontinuity?: boolean }> = [...segments, ...(input.pending ? [input.pending] : [])];
  for (let i = 1; i < all.length; i++) {
    const prev = all[i - 1]!;
    const cur = all[i]!;
    if (cur.sequence !== prev.sequence + 1) throw new PlaylistError(`segments are not consecutive at sequence ${cur.sequence}`);
    if (cur.discontinuitySequence !== prev.discontinuitySequence + (cur.discontinuity ? 1 : 0)) throw new PlaylistError(`inconsistent discontinuity sequence at sequence ${cur.sequence}`);
  }
  const checkParts = (parts: ReadonlyArray<LlPart>, sequence: number) =>
    parts.forEach((p, i) => {
      checkUri(p.uri, `part ${sequence}.${i} uri`);
      // Millisecond precision is what is written, so that is what a player compares against PART-TARGET.
      const written = Number(formatDuration(p.duration));
      if (!(written > 0)) throw new PlaylistError(`part ${sequence}.${i} has no duration`);
      if (written > partTarget) throw new PlaylistError(`part ${sequence}.${i} lasts ${formatDuration(p.duration)} s, over PART-TARGET ${partTarget}`);
    });
  segments.forEach((s) => {
    checkUri(s.uri, `segment ${s.sequence} uri`);
    checkParts(s.parts, s.sequence);
  });
  if (input.pending) checkParts(input.pending.parts, input.pending.sequence);

  const target = targetDurationFor(segments.map((s) => s.duration), input.targetDuration);
  const discontinuitySequence = first.discontinuitySequence - (first.discontinuity ? 1 : 0);
  if (discontinuitySequence < 0) throw new PlaylistError('the first segment of a stream cannot start a discontinuity');
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${LL_PLAYLIST_VERSION}`,
    `#EXT-X-TARGETDURATION:${target}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${formatDuration(partHoldBack)}`,
    `#EXT-X-PART-INF:PART-TARGET=${formatDuration(partTarget)}`,
    `#EXT-X-MEDIA-SEQUENCE:${first.sequence}`,
  ];
  if (discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySequence}`);
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');

  // Parts of segments that end within the last PART_WINDOW_TARGETS target durations.
  let fromEnd = input.pending ? input.pending.parts.reduce((sum, p) => sum + p.duration, 0) : 0;
  const withParts = new Set<number>();
  for (let i = segments.length - 1; i >= 0 && fromEnd < PART_WINDOW_TARGETS * target; i--) {
    withParts.add(segments[i]!.sequence);
    fromEnd += segments[i]!.duration;
  }
  let map: string | undefined;
  const head = (s: { discontinuity?: boolean; mapUri: string; programDateTime?: string }) => {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.mapUri !== map) {
      checkUri(s.mapUri, 'map uri');
      lines.push(`#EXT-X-MAP:URI="${s.mapUri}"`);
      map = s.mapUri;
    }
    if (s.programDateTime !== undefined) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime}`);
  };
  const partLine = (p: LlPart) => `#EXT-X-PART:DURATION=${formatDuration(p.duration)},URI="${p.uri}"${p.independent ? ',INDEPENDENT=YES' : ''}`;
  for (const s of segments) {
    head(s);
    if (withParts.has(s.sequence)) for (const p of s.parts) lines.push(partLine(p));
    lines.push(`#EXTINF:${formatDuration(s.duration)},`, s.uri);
  }
  if (input.pending && !input.endList) {
    head(input.pending);
    for (const p of input.pending.parts) lines.push(partLine(p));
  }
  if (input.endList) {
    lines.push('#EXT-X-ENDLIST');
  } else if (input.preloadHintUri !== undefined) {
    checkUri(input.preloadHintUri, 'preload hint uri');
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${input.preloadHintUri}"`);
  }
  for (const r of input.renditionReports ?? []) {
    checkUri(r.uri, 'rendition report uri');
    lines.push(`#EXT-X-RENDITION-REPORT:URI="${r.uri}",LAST-MSN=${r.lastMsn},LAST-PART=${r.lastPart}`);
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------
// Parsing (what a blocking reload and a validating test need)

export interface ParsedLlPart {
  uri: string;
  duration: number;
  independent: boolean;
}

export interface ParsedLlSegment {
  sequence: number;
  uri: string;
  duration: number;
  discontinuity: boolean;
  mapUri?: string;
  parts: ParsedLlPart[];
}

export interface ParsedLlPlaylist {
  version?: number;
  targetDuration: number;
  partTarget?: number;
  canBlockReload: boolean;
  partHoldBack?: number;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: ParsedLlSegment[];
  /** Parts after the last EXTINF: the segment still being produced (sequence = last segment + 1). */
  pendingParts: ParsedLlPart[];
  preloadHint?: { type: string; uri: string };
  renditionReports: Array<{ uri: string; lastMsn?: number; lastPart?: number }>;
  endList: boolean;
}

const MAX_PLAYLIST_CHARS = 4 * 1024 * 1024;

export function parseLlMediaPlaylist(text: string): ParsedLlPlaylist {
  if (typeof text !== 'string' || text.length > MAX_PLAYLIST_CHARS) throw new PlaylistError('playlist must be text of at most 4 MiB');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '#EXTM3U') throw new PlaylistError('not an HLS playlist: the first line must be #EXTM3U', 1);
  const out: ParsedLlPlaylist = { targetDuration: NaN, canBlockReload: false, mediaSequence: 0, discontinuitySequence: 0, segments: [], pendingParts: [], renditionReports: [], endList: false };
  let parts: ParsedLlPart[] = [];
  let extinf: number | undefined;
  let discontinuity = false;
  let mapUri: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    const [tag, rest = ''] = splitTag(line);
    switch (tag) {
      case '#EXT-X-VERSION':
        out.version = integer(rest, n, tag);
        break;
      case '#EXT-X-TARGETDURATION':
        out.targetDuration = integer(rest, n, tag);
        break;
      case '#EXT-X-MEDIA-SEQUENCE':
        out.mediaSequence = integer(rest, n, tag);
        break;
      case '#EXT-X-DISCONTINUITY-SEQUENCE':
        out.discontinuitySequence = integer(rest, n, tag);
        break;
      case '#EXT-X-PART-INF':
        out.partTarget = decimal(attributes(rest, n)['PART-TARGET'], n, 'PART-TARGET');
        break;
      case '#EXT-X-SERVER-CONTROL': {
        const attrs = attributes(rest, n);
        out.canBlockReload = attrs['CAN-BLOCK-RELOAD'] === 'YES';
        if (attrs['PART-HOLD-BACK'] !== undefined) out.partHoldBack = decimal(attrs['PART-HOLD-BACK'], n, 'PART-HOLD-BACK');
        break;
      }
      case '#EXT-X-MAP':
        mapUri = required(attributes(rest, n)['URI'], n, 'EXT-X-MAP URI');
        break;
      case '#EXT-X-DISCONTINUITY':
        discontinuity = true;
        break;
      case '#EXT-X-PART': {
        const attrs = attributes(rest, n);
        parts.push({ uri: required(attrs['URI'], n, 'EXT-X-PART URI'), duration: decimal(attrs['DURATION'], n, 'EXT-X-PART DURATION'), independent: attrs['INDEPENDENT'] === 'YES' });
        break;
      }
      case '#EXTINF':
        extinf = decimal(rest.split(',')[0], n, 'EXTINF');
        break;
      case '#EXT-X-PRELOAD-HINT': {
        const attrs = attributes(rest, n);
        out.preloadHint = { type: required(attrs['TYPE'], n, 'EXT-X-PRELOAD-HINT TYPE'), uri: required(attrs['URI'], n, 'EXT-X-PRELOAD-HINT URI') };
        break;
      }
      case '#EXT-X-RENDITION-REPORT': {
        const attrs = attributes(rest, n);
        out.renditionReports.push({
          uri: required(attrs['URI'], n, 'EXT-X-RENDITION-REPORT URI'),
          ...(attrs['LAST-MSN'] !== undefined ? { lastMsn: integer(attrs['LAST-MSN'], n, 'LAST-MSN') } : {}),
          ...(attrs['LAST-PART'] !== undefined ? { lastPart: integer(attrs['LAST-PART'], n, 'LAST-PART') } : {}),
        });
        break;
      }
      case '#EXT-X-ENDLIST':
        out.endList = true;
        break;
      default:
        if (line.startsWith('#')) break; // other tags and comments: ignored, as clients must
        if (extinf === undefined) throw new PlaylistError('segment URI without #EXTINF', n);
        out.segments.push({ sequence: out.mediaSequence + out.segments.length, uri: line, duration: extinf, discontinuity, ...(mapUri !== undefined ? { mapUri } : {}), parts });
        parts = [];
        extinf = undefined;
        discontinuity = false;
    }
  }
  if (Number.isNaN(out.targetDuration)) throw new PlaylistError('missing #EXT-X-TARGETDURATION');
  out.pendingParts = parts;
  return out;
}

/** Where the newest part of a parsed playlist is: (msn, part index), or undefined when it lists none. */
export function lastPartOf(playlist: ParsedLlPlaylist): { msn: number; part: number } | undefined {
  const nextMsn = playlist.mediaSequence + playlist.segments.length;
  if (playlist.pendingParts.length > 0) return { msn: nextMsn, part: playlist.pendingParts.length - 1 };
  const last = playlist.segments.at(-1);
  if (!last || last.parts.length === 0) return undefined;
  return { msn: nextMsn - 1, part: last.parts.length - 1 };
}

function splitTag(line: string): [string, string?] {
  const colon = line.indexOf(':');
  return colon === -1 ? [line] : [line.slice(0, colon), line.slice(colon + 1)];
}

/** `KEY=value,KEY="quoted, value"` → record (quotes removed). */
function attributes(text: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  const pattern = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(,|$)/gy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < text.length && (match = pattern.exec(text)) !== null) {
    const value = match[2]!;
    out[match[1]!] = value.startsWith('"') ? value.slice(1, -1) : value;
  }
  if (pattern.lastIndex < text.length) throw new PlaylistError('malformed attribute list', line);
  return out;
}

function required(value: string | undefined, line: number, what: string): string {
  if (value === undefined || value === '') throw new PlaylistError(`${what} is missing`, line);
  return value;
}

function integer(text: string | undefined, line: number, what: string): number {
  if (text === undefined || !/^\d{1,15}$/.test(text)) throw new PlaylistError(`${what} must be a decimal integer`, line);
  return Number(text);
}

function decimal(text: string | undefined, line: number, what: string): number {
  if (text === undefined || !/^\d{1,9}(\.\d{1,9})?$/.test(text)) throw new PlaylistError(`${what} must be a decimal number`, line);
  return Number(text);
}

function checkUri(uri: string, name: string): void {
  if (typeof uri !== 'string' || uri === '' || uri.startsWith('#') || /[\s"\u0000-\u001f\u007f]/.test(uri)) {
    throw new PlaylistError(`${name} must be a non-empty URI without whitespace or quotes that does not start with #`);
  }
}
