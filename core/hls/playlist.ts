/**
 * HLS playlist text (RFC 8216): pure writers for media and master playlists, a strict parser for media
 * playlists (the packager resumes numbering from what is already published), and the live-window rules
 * that keep media and discontinuity sequence numbers stable while segments slide out.
 * Must never do I/O or read a clock: callers pass every value in, so output is a function of input.
 */
import { StreamplaneError } from '../errors';

/** A playlist that cannot be written (bad input) or parsed (garbage text). `line` is 1-based, when known. */
export class PlaylistError extends StreamplaneError {
  override readonly name = 'PlaylistError';
  readonly line?: number;
  constructor(message: string, line?: number) {
    super('validation', line === undefined ? message : `${message} (line ${line})`);
    if (line !== undefined) this.line = line;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Media playlists

export interface MediaSegmentEntry {
  uri: string;
  /** Seconds. Written with 3 decimals. */
  duration: number;
  /** Writes EXT-X-DISCONTINUITY before this segment (it follows a gap, restart or encoder change). */
  discontinuity?: boolean;
  /** ISO 8601 date-time with a time zone, e.g. `2024-01-01T00:00:00.000Z`. */
  programDateTime?: string;
  /**
   * Writes EXT-X-GAP: the segment is missing in this rendition (other renditions have it), so players must
   * not load `uri`. Keeps renditions' sequence numbers aligned when one lost a segment the others kept.
   */
  gap?: boolean;
  /**
   * Writes `#EXT-X-BYTERANGE:<length>@<offset>`: the segment is that sub-range of `uri` (a segment round
   * object, core/media/layout.ts). Raises the playlist to version 4 (RFC 8216 §7).
   */
  byteRange?: SegmentByteRange;
}

/** A segment's sub-range of its resource, in bytes (EXT-X-BYTERANGE). */
export interface SegmentByteRange {
  length: number;
  offset: number;
}

export interface MediaPlaylistInput {
  /**
   * Lower bound for EXT-X-TARGETDURATION. The written value is max(round(this), round(longest segment)), so a
   * playlist is never invalid; live callers pass a value that only grows because RFC 8216 §6.2.1 forbids
   * changing it, and a stable floor keeps it from shrinking as long segments slide out.
   */
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: ReadonlyArray<MediaSegmentEntry>;
  endList?: boolean;
  playlistType?: 'EVENT' | 'VOD';
  independentSegments?: boolean;
  /** `EXT-X-SERVER-CONTROL:HOLD-BACK` (core/hls/hold-back.ts) of a live playlist; not written once it ends. */
  holdBackSeconds?: number;
}

/**
 * Version 3 is the lowest that allows decimal EXTINF durations, and nothing else written here needs more
 * (EXT-X-GAP and EXT-X-DISCONTINUITY-SEQUENCE carry no version requirement).
 */
const MEDIA_PLAYLIST_VERSION = 3;
/** EXT-X-BYTERANGE needs version 4. */
const BYTERANGE_PLAYLIST_VERSION = 4;

/** EXTINF durations are written with millisecond precision; target duration is computed from that value. */
export function formatDuration(seconds: number): string {
  return roundMillis(seconds).toFixed(3);
}

/**
 * the longest (millisecond-rounded) duration rounded to the nearest integer, at least `floor` and at least
 * 1 — exactly RFC 8216 §4.3.3.1. Not ceil: ffmpeg's first segment runs a few ms long (AAC priming), and
 * ceil would turn a 2 s stream's target into 3, adding a second of latency at every player.
 */
export function targetDurationFor(durations: Iterable<number>, floor = 0): number {
  let target = Math.max(1, Math.round(roundMillis(floor)));
  for (const d of durations) target = Math.max(target, Math.round(roundMillis(d)));
  return target;
}

export function writeMediaPlaylist(input: MediaPlaylistInput): string {
  checkSequence(input.mediaSequence, 'mediaSequence');
  checkSequence(input.discontinuitySequence, 'discontinuitySequence');
  if (!Number.isFinite(input.targetDuration) || input.targetDuration < 0) throw new PlaylistError('targetDuration must be a non-negative number');
  if (input.playlistType === 'VOD' && !input.endList) throw new PlaylistError('a VOD playlist must end with EXT-X-ENDLIST');
  input.segments.forEach((s, i) => checkSegment(s, i));

  const target = targetDurationFor(
    input.segments.map((s) => s.duration),
    input.targetDuration,
  );
  const version = input.segments.some((s) => s.byteRange !== undefined) ? BYTERANGE_PLAYLIST_VERSION : MEDIA_PLAYLIST_VERSION;
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${version}`, `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${input.mediaSequence}`];
  // Only written when non-zero: absence means 0 (RFC 8216 §4.3.3.3), and most playlists never need it.
  if (input.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${input.discontinuitySequence}`);
  if (input.playlistType) lines.push(`#EXT-X-PLAYLIST-TYPE:${input.playlistType}`);
  if (input.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  if (input.holdBackSeconds !== undefined && !input.endList) lines.push(`#EXT-X-SERVER-CONTROL:HOLD-BACK=${formatDuration(input.holdBackSeconds)}`);
  for (const s of input.segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.programDateTime !== undefined) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime}`);
    if (s.gap) lines.push('#EXT-X-GAP');
    lines.push(`#EXTINF:${formatDuration(s.duration)},`);
    if (s.byteRange) lines.push(`#EXT-X-BYTERANGE:${s.byteRange.length}@${s.byteRange.offset}`);
    lines.push(s.uri);
  }
  if (input.endList) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------
// Master playlists

export interface Variant {
  /** Relative URI of the variant's media playlist, e.g. `720p/index.m3u8`. */
  uri: string;
  /** Peak bits per second. */
  bandwidth: number;
  averageBandwidth?: number;
  /** RFC 6381 codecs, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
  resolution?: { width: number; height: number };
  frameRate?: number;
}

export interface MasterPlaylistInput {
  /**
   * Written in the order given. Order is a playback decision, not a formatting one: Apple players start
   * with the first variant listed, so the caller (the ladder) chooses which rung viewers start on.
   */
  variants: ReadonlyArray<Variant>;
  /** Defaults to true: every segment we publish starts with a key frame. */
  independentSegments?: boolean;
}

export function writeMasterPlaylist(input: MasterPlaylistInput): string {
  if (input.variants.length === 0) throw new PlaylistError('a master playlist needs at least one variant');
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${MEDIA_PLAYLIST_VERSION}`];
  if (input.independentSegments ?? true) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  input.variants.forEach((v, i) => {
    checkUri(v.uri, `variants[${i}].uri`);
    checkPositiveInteger(v.bandwidth, `variants[${i}].bandwidth`);
    const attrs = [`BANDWIDTH=${v.bandwidth}`];
    if (v.averageBandwidth !== undefined) {
      checkPositiveInteger(v.averageBandwidth, `variants[${i}].averageBandwidth`);
      attrs.push(`AVERAGE-BANDWIDTH=${v.averageBandwidth}`);
    }
    // A quoted-string may not hold quotes or line breaks; codecs never legitimately contain them.
    if (!/^[A-Za-z0-9.,+_ -]+$/.test(v.codecs)) throw new PlaylistError(`variants[${i}].codecs is not an RFC 6381 codecs list`);
    attrs.push(`CODECS="${v.codecs}"`);
    if (v.resolution) {
      checkPositiveInteger(v.resolution.width, `variants[${i}].resolution.width`);
      checkPositiveInteger(v.resolution.height, `variants[${i}].resolution.height`);
      attrs.push(`RESOLUTION=${v.resolution.width}x${v.resolution.height}`);
    }
    if (v.frameRate !== undefined) {
      if (!Number.isFinite(v.frameRate) || v.frameRate <= 0) throw new PlaylistError(`variants[${i}].frameRate must be positive`);
      attrs.push(`FRAME-RATE=${v.frameRate.toFixed(3)}`);
    }
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, v.uri);
  });
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------
// Parsing media playlists

export interface ParsedSegment {
  uri: string;
  duration: number;
  discontinuity: boolean;
  gap: boolean;
  programDateTime?: string;
  /** EXT-X-BYTERANGE; an omitted offset is resolved (the previous segment's range end, same URI). */
  byteRange?: SegmentByteRange;
}

export interface ParsedMediaPlaylist {
  version?: number;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  playlistType?: 'EVENT' | 'VOD';
  independentSegments: boolean;
  endList: boolean;
  segments: ParsedSegment[];
}

/** Far beyond any live or recording playlist we write; refuses to spend memory on hostile input. */
const MAX_PLAYLIST_CHARS = 8 * 1024 * 1024;
const MASTER_TAGS = ['#EXT-X-STREAM-INF', '#EXT-X-I-FRAME-STREAM-INF', '#EXT-X-MEDIA:', '#EXT-X-SESSION-DATA', '#EXT-X-SESSION-KEY'];

/**
 * Parses a media playlist. Unknown tags are ignored (RFC 8216 §4.1: clients MUST ignore them); anything
 * structurally wrong — no #EXTM3U, a master playlist, a URI without EXTINF, bad numbers, segments after
 * EXT-X-ENDLIST — throws PlaylistError naming the line.
 */
export function parseMediaPlaylist(text: string): ParsedMediaPlaylist {
  if (typeof text !== 'string') throw new PlaylistError('playlist must be text');
  if (text.length > MAX_PLAYLIST_CHARS) throw new PlaylistError('playlist is too large');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '#EXTM3U') throw new PlaylistError('not an HLS playlist: the first line must be #EXTM3U', 1);

  const out: ParsedMediaPlaylist = { targetDuration: NaN, mediaSequence: 0, discontinuitySequence: 0, independentSegments: false, endList: false, segments: [] };
  const seen = new Set<string>();
  let pending: { duration: number; line: number } | undefined;
  let discontinuity = false;
  let gap = false;
  let programDateTime: string | undefined;
  let byteRange: { length: number; offset?: number; line: number } | undefined;

  const once = (tag: string, n: number): void => {
    if (seen.has(tag)) throw new PlaylistError(`${tag} appears twice`, n);
    seen.add(tag);
  };
  const beforeSegments = (tag: string, n: number): void => {
    if (out.segments.length > 0 || pending) throw new PlaylistError(`${tag} must come before the first segment`, n);
  };

  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    if (out.endList) throw new PlaylistError('content after #EXT-X-ENDLIST', n);
    if (MASTER_TAGS.some((t) => line.startsWith(t))) throw new PlaylistError('this is a master playlist, not a media playlist', n);

    if (line.startsWith('#EXTINF:')) {
      if (pending) throw new PlaylistError('#EXTINF without a segment URI', pending.line);
      const value = line.slice('#EXTINF:'.length);
      const comma = value.indexOf(',');
      const duration = parseDecimal(comma === -1 ? value : value.slice(0, comma), n, 'EXTINF duration');
      pending = { duration, line: n };
    } else if (line.startsWith('#EXT-X-TARGETDURATION:')) {
      once('#EXT-X-TARGETDURATION', n);
      out.targetDuration = parseInteger(line.slice('#EXT-X-TARGETDURATION:'.length), n, 'EXT-X-TARGETDURATION');
    } else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) {
      once('#EXT-X-MEDIA-SEQUENCE', n);
      beforeSegments('#EXT-X-MEDIA-SEQUENCE', n);
      out.mediaSequence = parseInteger(line.slice('#EXT-X-MEDIA-SEQUENCE:'.length), n, 'EXT-X-MEDIA-SEQUENCE');
    } else if (line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) {
      once('#EXT-X-DISCONTINUITY-SEQUENCE', n);
      beforeSegments('#EXT-X-DISCONTINUITY-SEQUENCE', n);
      out.discontinuitySequence = parseInteger(line.slice('#EXT-X-DISCONTINUITY-SEQUENCE:'.length), n, 'EXT-X-DISCONTINUITY-SEQUENCE');
    } else if (line.startsWith('#EXT-X-VERSION:')) {
      once('#EXT-X-VERSION', n);
      out.version = parseInteger(line.slice('#EXT-X-VERSION:'.length), n, 'EXT-X-VERSION');
    } else if (line.startsWith('#EXT-X-PLAYLIST-TYPE:')) {
      once('#EXT-X-PLAYLIST-TYPE', n);
      const type = line.slice('#EXT-X-PLAYLIST-TYPE:'.length);
      if (type !== 'EVENT' && type !== 'VOD') throw new PlaylistError(`unknown EXT-X-PLAYLIST-TYPE ${JSON.stringify(type.slice(0, 20))}`, n);
      out.playlistType = type;
    } else if (line === '#EXT-X-INDEPENDENT-SEGMENTS') {
      out.independentSegments = true;
    } else if (line === '#EXT-X-DISCONTINUITY') {
      discontinuity = true;
    } else if (line === '#EXT-X-GAP') {
      gap = true;
    } else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
      const value = line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length);
      if (!isDateTime(value)) throw new PlaylistError('EXT-X-PROGRAM-DATE-TIME is not an ISO 8601 date-time', n);
      programDateTime = value;
    } else if (line.startsWith('#EXT-X-BYTERANGE:')) {
      const m = /^(\d{1,15})(?:@(\d{1,15}))?$/.exec(line.slice('#EXT-X-BYTERANGE:'.length));
      if (!m) throw new PlaylistError('EXT-X-BYTERANGE must be <length>[@<offset>]', n);
      byteRange = { length: Number(m[1]), line: n, ...(m[2] !== undefined ? { offset: Number(m[2]) } : {}) };
    } else if (line === '#EXT-X-ENDLIST') {
      if (pending) throw new PlaylistError('#EXTINF without a segment URI', pending.line);
      out.endList = true;
    } else if (line.startsWith('#')) {
      // Unknown tag or comment: ignored, as the RFC requires of clients.
    } else {
      if (!pending) throw new PlaylistError('segment URI without #EXTINF', n);
      if (/[\s\u0000-\u001f\u007f]/.test(line)) throw new PlaylistError('segment URI contains whitespace or control characters', n);
      const segment: ParsedSegment = { uri: line, duration: pending.duration, discontinuity, gap };
      if (programDateTime !== undefined) segment.programDateTime = programDateTime;
      if (byteRange) {
        let offset = byteRange.offset;
        if (offset === undefined) {
          // RFC 8216 §4.3.2.2: without an offset the range follows the previous segment's, of the same resource.
          const prev = out.segments.at(-1);
          if (!prev?.byteRange || prev.uri !== line) throw new PlaylistError('EXT-X-BYTERANGE without an offset must follow a range of the same URI', byteRange.line);
          offset = prev.byteRange.offset + prev.byteRange.length;
        }
        segment.byteRange = { length: byteRange.length, offset };
      }
      out.segments.push(segment);
      pending = undefined;
      discontinuity = false;
      gap = false;
      programDateTime = undefined;
      byteRange = undefined;
    }
  }
  if (pending) throw new PlaylistError('#EXTINF without a segment URI', pending.line);
  if (discontinuity || gap || programDateTime !== undefined || byteRange) throw new PlaylistError('segment tags without a segment at the end of the playlist');
  if (Number.isNaN(out.targetDuration)) throw new PlaylistError('missing #EXT-X-TARGETDURATION');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Live windows

/**
 * A segment of a live rendition with its absolute numbers. `discontinuitySequence` is the segment's
 * Discontinuity Sequence Number (RFC 8216 §4.3.3.3): fixed for the segment's life, equal across
 * renditions for the same content. `discontinuity` marks the first segment of a new discontinuity domain.
 */
export interface LiveSegment {
  sequence: number;
  uri: string;
  duration: number;
  discontinuitySequence: number;
  discontinuity: boolean;
  gap?: boolean;
  programDateTime?: string;
  /** The segment is this sub-range of `uri` (a segment round object). */
  byteRange?: SegmentByteRange;
}

/**
 * The playlist input for a window of consecutive live segments. The header's discontinuity sequence is
 * derived from the first segment, which is exactly the RFC rule "increment EXT-X-DISCONTINUITY-SEQUENCE
 * for each EXT-X-DISCONTINUITY tag that leaves the playlist": segments keep their numbers as the window
 * slides. Throws if the window is empty, not consecutive, or its discontinuity numbers are inconsistent.
 */
export function mediaPlaylistFromWindow(
  window: ReadonlyArray<LiveSegment>,
  options: { targetDuration: number; endList?: boolean; independentSegments?: boolean; holdBackSeconds?: number },
): MediaPlaylistInput {
  const first = window[0];
  if (!first) throw new PlaylistError('a live window needs at least one segment');
  for (let i = 1; i < window.length; i++) {
    const prev = window[i - 1] as LiveSegment;
    const cur = window[i] as LiveSegment;
    if (cur.sequence !== prev.sequence + 1) throw new PlaylistError(`live window is not consecutive at sequence ${cur.sequence}`);
    const expected = prev.discontinuitySequence + (cur.discontinuity ? 1 : 0);
    if (cur.discontinuitySequence !== expected) throw new PlaylistError(`inconsistent discontinuity sequence at sequence ${cur.sequence}`);
  }
  const discontinuitySequence = first.discontinuitySequence - (first.discontinuity ? 1 : 0);
  if (discontinuitySequence < 0) throw new PlaylistError('the first segment of a stream cannot start a discontinuity');
  const input: MediaPlaylistInput = {
    targetDuration: options.targetDuration,
    mediaSequence: first.sequence,
    discontinuitySequence,
    segments: window.map((s) => {
      const entry: MediaSegmentEntry = { uri: s.uri, duration: s.duration };
      if (s.discontinuity) entry.discontinuity = true;
      if (s.gap) entry.gap = true;
      if (s.programDateTime !== undefined) entry.programDateTime = s.programDateTime;
      if (s.byteRange) entry.byteRange = { ...s.byteRange };
      return entry;
    }),
  };
  if (options.endList) input.endList = true;
  if (options.independentSegments) input.independentSegments = true;
  if (options.holdBackSeconds !== undefined) input.holdBackSeconds = options.holdBackSeconds;
  return input;
}

/** The live segments of a parsed playlist, with their absolute media and discontinuity sequence numbers. */
export function liveSegmentsFromPlaylist(playlist: ParsedMediaPlaylist): LiveSegment[] {
  let disc = playlist.discontinuitySequence;
  return playlist.segments.map((s, i) => {
    if (s.discontinuity) disc += 1;
    const live: LiveSegment = { sequence: playlist.mediaSequence + i, uri: s.uri, duration: s.duration, discontinuitySequence: disc, discontinuity: s.discontinuity };
    if (s.gap) live.gap = true;
    if (s.programDateTime !== undefined) live.programDateTime = s.programDateTime;
    if (s.byteRange) live.byteRange = { ...s.byteRange };
    return live;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Checks

function roundMillis(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

function checkSequence(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new PlaylistError(`${name} must be a non-negative integer`);
}

function checkPositiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new PlaylistError(`${name} must be a positive integer`);
}

function checkUri(uri: string, name: string): void {
  // A URI line must be one line and must not look like a tag, or it would change the playlist's meaning.
  if (typeof uri !== 'string' || uri === '' || uri.startsWith('#') || /[\s\u0000-\u001f\u007f]/.test(uri)) {
    throw new PlaylistError(`${name} must be a non-empty URI without whitespace that does not start with #`);
  }
}

function checkSegment(s: MediaSegmentEntry, i: number): void {
  checkUri(s.uri, `segments[${i}].uri`);
  if (!Number.isFinite(s.duration) || roundMillis(s.duration) <= 0) throw new PlaylistError(`segments[${i}].duration must be positive`);
  if (s.programDateTime !== undefined && !isDateTime(s.programDateTime)) throw new PlaylistError(`segments[${i}].programDateTime must be an ISO 8601 date-time with a time zone`);
  if (s.byteRange && !(Number.isSafeInteger(s.byteRange.length) && s.byteRange.length > 0 && Number.isSafeInteger(s.byteRange.offset) && s.byteRange.offset >= 0)) throw new PlaylistError(`segments[${i}].byteRange needs a positive length and a non-negative offset`);
}

function isDateTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
}

function parseInteger(text: string, line: number, what: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new PlaylistError(`${what} must be a decimal integer`, line);
  return Number(text);
}

function parseDecimal(text: string, line: number, what: string): number {
  if (!/^\d{1,9}(\.\d{1,9})?$/.test(text)) throw new PlaylistError(`${what} must be a decimal number`, line);
  return Number(text);
}
