/**
 * The object-store layout of media: every key and prefix the packager writes, the origin and CDN serve,
 * the recording finalizer reads and writes, and retention (the local sweeper, the S3 lifecycle rules)
 * deletes. One place, so writers, readers and sweepers cannot disagree about where a thing is.
 *
 *   live/<streamId>/master.m3u8                                  master playlist (packager)
 *   live/<streamId>/<rendition>/index.m3u8                       live media playlist (packager)
 *   live/<streamId>/dvr.m3u8, live/<streamId>/<rendition>/dvr.m3u8  DVR playlists (packager, recorded sessions)
 *   live/<streamId>/thumbnail.jpg                                latest thumbnail while live (ingest)
 *   live/<streamId>/<rendition>/<seq>-<durationMs>-<disc>.ts     segments of a session that is not recorded
 *   recordings/<rec>/<rendition>/<seq>-<durationMs>-<disc>.ts    segments of a recorded session (packager)
 *   recordings/<rec>/renditions.json                             the rendition plan (packager, union over runs)
 *   recordings/<rec>/<rendition>/index.m3u8                      VOD media playlist (finalizer)
 *   recordings/<rec>/master.m3u8                                 VOD master playlist (finalizer)
 *   recordings/<rec>/manifest.json                               summary (finalizer)
 *   recordings/<rec>/poster.jpg                                  poster image (ingest, on finalization)
 *   recordings/<rec>/recording.mp4                               optional MP4 export
 *   live/<streamId>/rounds/<round file>, recordings/<rec>/rounds/<round file>
 *                                                                one object per segment round (segmentObjects=round)
 *
 * Segment rounds (`STREAMPLANE_SEGMENT_OBJECTS=round`): renditions are cut at the same boundaries with the
 * same sequence numbers, so instead of one object per rendition per segment the packager may store one
 * object per sequence number holding every rendition's MPEG-TS segment back to back, and each media
 * playlist names its member by `#EXT-X-BYTERANGE:<length>@<offset>` (HLS version 4). The round's file name
 * is self-describing, like a segment's, because recovery, resume and the recording finalizer work from
 * listings alone:
 *
 *   <seq>-<disc>.<rendition>-<durationMs>-<bytes>[.<rendition>-<durationMs>-<bytes>…].ts
 *
 * members in byte order (a member's offset is the sum of the lengths before it). Rendition names hold no
 * dot, so splitting on `.` is unambiguous; a member is split on its last two `-` (names may hold `-`).
 * A rendition whose segment missed its round (late, after a gap) is stored in a later object of the same
 * sequence with its own member set, so keys stay unique and objects immutable. `rounds` is reserved: no
 * rendition may be called that (`isRenditionName`).
 *
 * Must never build a key from unvalidated input (ids and rendition names are checked by the callers'
 * schemas before they get here), and never do I/O.
 */
import type { SegmentByteRange } from '../hls/playlist';
import { isId } from '../ids';

/** Folder of live HLS output. */
export const LIVE_PREFIX = 'live/';
/** Folder of recordings (the segments they keep and the VOD outputs). */
export const RECORDINGS_PREFIX = 'recordings/';
/** The top-level folders of the media store, and nothing else. */
export const MEDIA_PREFIXES = [LIVE_PREFIX, RECORDINGS_PREFIX] as const;
export type MediaPrefix = (typeof MEDIA_PREFIXES)[number];

/** What a rendition folder may be called (it becomes a path segment). */
export const RENDITION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The folder of segment rounds next to the rendition folders: never a rendition's name. */
export const ROUNDS_FOLDER = 'rounds';

/** A usable rendition name: RENDITION_NAME and not a reserved folder (`rounds`). */
export function isRenditionName(name: string): boolean {
  return RENDITION_NAME.test(name) && name !== ROUNDS_FOLDER;
}

const MEDIA_PLAYLIST_FILE = 'index.m3u8';
const MASTER_PLAYLIST_FILE = 'master.m3u8';
const DVR_PLAYLIST_FILE = 'dvr.m3u8';

// ---------------------------------------------------------------------------------------------------------
// Live

/** `live/<streamId>/`: everything the packager publishes for a stream. */
export function liveStreamPrefix(streamId: string): string {
  return `${LIVE_PREFIX}${streamId}/`;
}

/** `live/<streamId>/<rendition>/`: the media playlist of a rendition, and its segments when not recorded. */
export function liveRenditionPrefix(streamId: string, rendition: string): string {
  return `${liveStreamPrefix(streamId)}${rendition}/`;
}

export function liveMediaPlaylistKey(streamId: string, rendition: string): string {
  return `${liveRenditionPrefix(streamId, rendition)}${MEDIA_PLAYLIST_FILE}`;
}

/** `live/<streamId>/master.m3u8`: the stable playback URL of a stream. */
export function liveMasterPlaylistKey(streamId: string): string {
  return `${liveStreamPrefix(streamId)}${MASTER_PLAYLIST_FILE}`;
}

/** `live/<streamId>/dvr.m3u8`: the DVR master playlist (the session so far, over the DVR window). */
export function liveDvrMasterPlaylistKey(streamId: string): string {
  return `${liveStreamPrefix(streamId)}${DVR_PLAYLIST_FILE}`;
}

/** `live/<streamId>/<rendition>/dvr.m3u8`: a rendition's DVR media playlist. */
export function liveDvrMediaPlaylistKey(streamId: string, rendition: string): string {
  return `${liveRenditionPrefix(streamId, rendition)}${DVR_PLAYLIST_FILE}`;
}

/** Relative URI of a rendition's DVR playlist inside the DVR master playlist. */
export function dvrPlaylistUri(rendition: string): string {
  return `${rendition}/${DVR_PLAYLIST_FILE}`;
}

/** `live/<streamId>/thumbnail.jpg`: a JPEG of the latest keyframe, refreshed while the stream is live. */
export function liveThumbnailKey(streamId: string): string {
  return `${liveStreamPrefix(streamId)}thumbnail.jpg`;
}

/** `recordings/<rec>/poster.jpg`: the recording's poster image. */
export function recordingPosterKey(recordingId: string): string {
  return `${RECORDINGS_PREFIX}${recordingId}/poster.jpg`;
}

/** Relative URI of a rendition's media playlist inside a master playlist (live and VOD alike). */
export function mediaPlaylistUri(rendition: string): string {
  return `${rendition}/${MEDIA_PLAYLIST_FILE}`;
}

/** A key under `live/` taken apart: `live/<streamId>[/<rendition>]/<file>`; undefined outside `live/`. */
export interface LiveKey {
  streamId: string;
  /** Set for keys inside a rendition folder. */
  rendition?: string;
  /** The last path segment (a segment, a playlist). */
  file: string;
}

export function parseLiveKey(key: string): LiveKey | undefined {
  if (!key.startsWith(LIVE_PREFIX)) return undefined;
  const parts = key.slice(LIVE_PREFIX.length).split('/');
  const [streamId = '', second = '', third] = parts;
  if (streamId === '' || parts.length < 2 || parts.length > 3) return undefined;
  return third === undefined ? { streamId, file: second } : { streamId, rendition: second, file: third };
}

/** The stream folder a key under `live/` belongs to (whatever lies below it); undefined outside `live/`. */
export function liveStreamIdOf(key: string): string | undefined {
  if (!key.startsWith(LIVE_PREFIX)) return undefined;
  return key.slice(LIVE_PREFIX.length).split('/')[0] || undefined;
}

/** `live/<streamId>/<rendition>/index.m3u8`, and no other key. */
export function isLiveMediaPlaylistKey(key: string): boolean {
  const parsed = parseLiveKey(key);
  return parsed?.rendition !== undefined && parsed.rendition !== '' && parsed.file === MEDIA_PLAYLIST_FILE;
}

// ---------------------------------------------------------------------------------------------------------
// Recordings

export function recordingPrefix(recordingId: string): string {
  return `${RECORDINGS_PREFIX}${recordingId}/`;
}

export function recordingRenditionPrefix(recordingId: string, rendition: string): string {
  return `${recordingPrefix(recordingId)}${rendition}/`;
}

export function vodMediaPlaylistKey(recordingId: string, rendition: string): string {
  return `${recordingRenditionPrefix(recordingId, rendition)}${MEDIA_PLAYLIST_FILE}`;
}

export function vodMasterPlaylistKey(recordingId: string): string {
  return `${recordingPrefix(recordingId)}${MASTER_PLAYLIST_FILE}`;
}

export function manifestKey(recordingId: string): string {
  return `${recordingPrefix(recordingId)}manifest.json`;
}

export function renditionsFileKey(recordingId: string): string {
  return `${recordingPrefix(recordingId)}renditions.json`;
}

export function mp4Key(recordingId: string): string {
  return `${recordingPrefix(recordingId)}recording.mp4`;
}

/** The public URL of a stored key behind the CDN / origin at `playbackBase`. */
export function playbackUrlOf(playbackBase: string, key: string): string {
  return `${playbackBase.replace(/\/+$/, '')}/${key}`;
}

export function recordingPlaybackUrl(playbackBase: string, recordingId: string): string {
  return playbackUrlOf(playbackBase, vodMasterPlaylistKey(recordingId));
}

export function recordingMp4Url(playbackBase: string, recordingId: string): string {
  return playbackUrlOf(playbackBase, mp4Key(recordingId));
}

// ---------------------------------------------------------------------------------------------------------
// Segment file names: `<seq>-<durationMs>-<disc>.ts` (the finalizer rebuilds VOD playlists from these alone)

export interface SegmentName {
  /** The live media sequence number. */
  seq: number;
  /** Integer milliseconds (EXTINF of the segment). */
  durationMs: number;
  /** The segment's discontinuity sequence number: changes at every transcoder restart, reconnect or plane restart. */
  disc: number;
}

const SEGMENT_FILE = /^(\d{1,15})-(\d{1,9})-(\d{1,15})\.ts$/;

export function segmentFileName(segment: SegmentName): string {
  const { seq, durationMs, disc } = segment;
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`segment seq must be a non-negative integer, got ${seq}`);
  if (!Number.isSafeInteger(durationMs) || durationMs < 1 || durationMs > 999_999_999) throw new RangeError(`segment durationMs must be a positive integer, got ${durationMs}`);
  if (!Number.isSafeInteger(disc) || disc < 0) throw new RangeError(`segment disc must be a non-negative integer, got ${disc}`);
  return `${seq}-${durationMs}-${disc}.ts`;
}

/** The numbers in a segment file name, or undefined for anything else (playlists, garbage, `0-0-0.ts`). */
export function parseSegmentFileName(name: string): SegmentName | undefined {
  const match = SEGMENT_FILE.exec(name);
  if (!match) return undefined;
  const seg = { seq: Number(match[1]), durationMs: Number(match[2]), disc: Number(match[3]) };
  if (!Number.isSafeInteger(seg.seq) || !Number.isSafeInteger(seg.disc) || seg.durationMs < 1) return undefined;
  return seg;
}

/** What names a stored segment as the packager sees it: EXTINF in seconds, not yet rounded. */
export interface SegmentRef {
  sequence: number;
  duration: number;
  discontinuitySequence: number;
}

/** The file name of a packager segment (duration rounded to whole milliseconds, at least 1). */
export function segmentFile(ref: SegmentRef): string {
  return segmentFileName({ seq: ref.sequence, durationMs: Math.max(1, Math.round(ref.duration * 1000)), disc: ref.discontinuitySequence });
}

/**
 * Where a segment is stored: under the recording when the session is recorded (so the live window never
 * owns it and retention of `live/` never deletes it), else next to its live playlist.
 */
export function segmentKey(streamId: string, rendition: string, ref: SegmentRef, recordingId?: string): string {
  return recordingId ? recordingRenditionPrefix(recordingId, rendition) + segmentFile(ref) : liveRenditionPrefix(streamId, rendition) + segmentFile(ref);
}

/** URI of a segment inside its live media playlist (`live/<streamId>/<rendition>/index.m3u8`). */
export function segmentUri(rendition: string, ref: SegmentRef, recordingId?: string): string {
  // Up from live/<streamId>/<rendition>/ to the bucket root, then into the recording.
  return recordingId ? `../../../${recordingRenditionPrefix(recordingId, rendition)}${segmentFile(ref)}` : segmentFile(ref);
}

/**
 * The sequence number of a segment key under `prefix` (`<seq>-<ms>-<disc>.ts`, or the older `<n>.ts`),
 * or undefined for anything else.
 */
export function sequenceOfKey(prefix: string, key: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const name = key.slice(prefix.length);
  const parsed = parseSegmentFileName(name);
  if (parsed) return parsed.seq;
  const legacy = /^(\d{1,15})\.ts$/.exec(name);
  return legacy ? Number(legacy[1]) : undefined;
}

export interface RecordingSegmentKey extends SegmentName {
  recordingId: string;
  rendition: string;
  file: string;
}

/** `recordings/<rec>/<rendition>/<seq>-<ms>-<disc>.ts` taken apart, or undefined for any other key. */
export function parseRecordingSegmentKey(key: string): RecordingSegmentKey | undefined {
  const parts = key.split('/');
  if (parts.length !== 4 || `${parts[0]}/` !== RECORDINGS_PREFIX) return undefined;
  const [, recordingId = '', rendition = '', file = ''] = parts;
  if (!isId('recording', recordingId) || !isRenditionName(rendition)) return undefined;
  const seg = parseSegmentFileName(file);
  return seg ? { ...seg, recordingId, rendition, file } : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Segment rounds: one object per sequence number holding several renditions' segments (see the header)

export interface RoundMember {
  rendition: string;
  /** Integer milliseconds (EXTINF of the member's segment). */
  durationMs: number;
  /** Length in bytes of the member's segment inside the round object. */
  bytes: number;
}

export interface RoundName {
  seq: number;
  disc: number;
  /** In byte order; at least one, no rendition twice. */
  members: RoundMember[];
}

/** A member's place in its round object: what `#EXT-X-BYTERANGE:<length>@<offset>` says. */
export type ByteRange = SegmentByteRange;

/** S3 keys are at most 1024 bytes; a round name must leave room for `recordings/<rec>/rounds/`. */
const MAX_ROUND_FILE_CHARS = 900;
const ROUND_HEAD = /^(\d{1,15})-(\d{1,15})$/;
const ROUND_MEMBER = /^([A-Za-z0-9_-]{1,64})-(\d{1,9})-(\d{1,12})$/;

export function roundFileName(round: RoundName): string {
  const { seq, disc, members } = round;
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`round seq must be a non-negative integer, got ${seq}`);
  if (!Number.isSafeInteger(disc) || disc < 0) throw new RangeError(`round disc must be a non-negative integer, got ${disc}`);
  if (members.length === 0) throw new RangeError('a round needs at least one member');
  const seen = new Set<string>();
  const parts = members.map((m) => {
    if (!isRenditionName(m.rendition)) throw new RangeError(`round member ${JSON.stringify(m.rendition)} is not a rendition name`);
    if (seen.has(m.rendition)) throw new RangeError(`round member ${m.rendition} appears twice`);
    seen.add(m.rendition);
    if (!Number.isSafeInteger(m.durationMs) || m.durationMs < 1 || m.durationMs > 999_999_999) throw new RangeError(`round member durationMs must be a positive integer, got ${m.durationMs}`);
    if (!Number.isSafeInteger(m.bytes) || m.bytes < 1 || m.bytes > 999_999_999_999) throw new RangeError(`round member bytes must be a positive integer, got ${m.bytes}`);
    return `${m.rendition}-${m.durationMs}-${m.bytes}`;
  });
  const name = `${seq}-${disc}.${parts.join('.')}.ts`;
  if (name.length > MAX_ROUND_FILE_CHARS) throw new RangeError(`round name too long (${name.length} characters): too many or too long rendition names`);
  return name;
}

/** The numbers and members of a round file name, or undefined for anything else (hostile, garbled, a segment name). */
export function parseRoundFileName(name: string): RoundName | undefined {
  if (typeof name !== 'string' || name.length > MAX_ROUND_FILE_CHARS || !name.endsWith('.ts')) return undefined;
  const parts = name.slice(0, -3).split('.');
  const head = ROUND_HEAD.exec(parts[0] ?? '');
  if (!head || parts.length < 2) return undefined;
  const seq = Number(head[1]);
  const disc = Number(head[2]);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(disc)) return undefined;
  const members: RoundMember[] = [];
  const seen = new Set<string>();
  for (const part of parts.slice(1)) {
    const m = ROUND_MEMBER.exec(part);
    if (!m) return undefined;
    const member = { rendition: m[1] as string, durationMs: Number(m[2]), bytes: Number(m[3]) };
    if (!isRenditionName(member.rendition) || seen.has(member.rendition) || member.durationMs < 1 || member.bytes < 1) return undefined;
    seen.add(member.rendition);
    members.push(member);
  }
  return { seq, disc, members };
}

/** Every member of a round with where its segment sits in the round object, in byte order. */
export function roundMemberRanges(round: RoundName): Array<RoundMember & ByteRange> {
  let offset = 0;
  return round.members.map((m) => {
    const placed = { ...m, offset, length: m.bytes };
    offset += m.bytes;
    return placed;
  });
}

/** Where `rendition`'s segment sits in a round object; undefined when it is not a member. */
export function roundMemberRange(round: RoundName, rendition: string): (RoundMember & ByteRange) | undefined {
  return roundMemberRanges(round).find((m) => m.rendition === rendition);
}

/** `live/<streamId>/rounds/` or, for a recorded session, `recordings/<rec>/rounds/`. */
export function roundsPrefix(streamId: string, recordingId?: string): string {
  return recordingId ? `${recordingPrefix(recordingId)}${ROUNDS_FOLDER}/` : `${liveStreamPrefix(streamId)}${ROUNDS_FOLDER}/`;
}

/** Where a round object is stored (beside the rendition folders its members would otherwise go to). */
export function roundKey(streamId: string, round: RoundName, recordingId?: string): string {
  return roundsPrefix(streamId, recordingId) + roundFileName(round);
}

/** From a rendition folder to the rounds folder beside it (a live playlist of an unrecorded session, a VOD playlist). */
const SIBLING_ROUNDS = `../${ROUNDS_FOLDER}/`;

/** URI of a round file in a media playlist whose rounds folder sits beside its rendition folder. */
export function siblingRoundUri(file: string): string {
  return SIBLING_ROUNDS + file;
}

/** The round a `../rounds/<round file>` playlist URI names, or undefined for any other URI. */
export function parseSiblingRoundUri(uri: string): RoundName | undefined {
  return uri.startsWith(SIBLING_ROUNDS) ? parseRoundFileName(uri.slice(SIBLING_ROUNDS.length)) : undefined;
}

/** URI of a round object inside a live (or DVR) media playlist at `live/<streamId>/<rendition>/`. */
export function roundUri(round: RoundName, recordingId?: string): string {
  return recordingId ? `../../../${recordingPrefix(recordingId)}${ROUNDS_FOLDER}/${roundFileName(round)}` : siblingRoundUri(roundFileName(round));
}

export interface RecordingRoundKey extends RoundName {
  recordingId: string;
  file: string;
}

/** `recordings/<rec>/rounds/<round file>` taken apart, or undefined for any other key. */
export function parseRecordingRoundKey(key: string): RecordingRoundKey | undefined {
  const parts = key.split('/');
  if (parts.length !== 4 || `${parts[0]}/` !== RECORDINGS_PREFIX || parts[2] !== ROUNDS_FOLDER) return undefined;
  const [, recordingId = '', , file = ''] = parts;
  if (!isId('recording', recordingId)) return undefined;
  const round = parseRoundFileName(file);
  return round ? { ...round, recordingId, file } : undefined;
}

/** A round key under `prefix` (`…/rounds/`) taken apart, or undefined for anything else. */
export function roundOfKey(prefix: string, key: string): RoundName | undefined {
  if (!key.startsWith(prefix)) return undefined;
  return parseRoundFileName(key.slice(prefix.length));
}

/** A playlist URI relative to `folder` (ending in `/`), as an object key; undefined for absolute URLs. */
export function resolvePlaylistUri(folder: string, uri: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) return undefined;
  const parts = folder.split('/').filter(Boolean);
  for (const part of uri.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

// ---------------------------------------------------------------------------------------------------------
// Media library (uploaded files for fallback playout and slates)

/**
 * Folder of the media library: `media/<mediaId>/source` holds an uploaded file as it was sent. Not one of
 * `MEDIA_PREFIXES` on purpose: the origin and CDN never serve it (library files are inputs of the
 * playout, not playback), and live retention never sweeps it.
 */
export const LIBRARY_PREFIX = 'media/';

/** `media/<mediaId>/source`: the uploaded file of a library item. */
export function libraryObjectKey(mediaId: string): string {
  return `${LIBRARY_PREFIX}${mediaId}/source`;
}

/** The media id of a `media/<mediaId>/source` key (a validated id), or undefined for any other key. */
export function parseLibraryObjectKey(key: string): string | undefined {
  const match = /^media\/([^/]+)\/source$/.exec(key);
  return match && isId('media', match[1]) ? match[1] : undefined;
}
