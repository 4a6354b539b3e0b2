/**
 * Recordings: the model of one session's recording, the object layout under `recordings/<recordingId>/`,
 * and the pure planning that rebuilds VOD playlists and the manifest from nothing but a listing of that
 * folder (so whatever the ingest managed to upload before a crash is what the recording contains).
 *
 * Layout (decided with the packager; see docs/recordings.md):
 *   recordings/<rec>/<rendition>/<seq>-<durationMs>-<disc>.ts   segments, uploaded live by the packager
 *   recordings/<rec>/renditions.json                            the rendition plan (union over runs)
 *   recordings/<rec>/<rendition>/index.m3u8                     VOD media playlist (finalizer)
 *   recordings/<rec>/master.m3u8                                VOD master playlist (finalizer)
 *   recordings/<rec>/manifest.json                              summary (finalizer)
 *   recordings/<rec>/recording.mp4                              optional MP4 export
 *
 * Must never do I/O or read a clock: callers pass every value in, so a plan is a function of the listing.
 */
import { z } from 'zod';
import { InvalidIdError } from '../errors';
import { ID_PREFIXES, isId } from '../ids';
import { targetDurationFor, type MasterPlaylistInput, type MediaPlaylistInput, type MediaSegmentEntry, type Variant } from '../hls/playlist';

// ---------------------------------------------------------------------------------------------------------
// Model

export const RECORDING_STATUSES = ['recording', 'finalizing', 'ready', 'failed'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const MP4_STATUSES = ['pending', 'ready', 'failed'] as const;
export type Mp4Status = (typeof MP4_STATUSES)[number];

export interface Mp4Export {
  status: Mp4Status;
  requestedAt: string;
  updatedAt: string;
  bytes?: number;
  /** Why the last export failed (no secrets, no paths). */
  error?: string;
}

export interface RecordingFailure {
  reason: string;
  /** A later finalization may still succeed (an infrastructure error), unlike "no media". */
  retryable: boolean;
}

export interface Recording {
  id: string;
  streamId: string;
  sessionId: string;
  status: RecordingStatus;
  createdAt: string;
  updatedAt: string;
  /** Set when the recording is ready: the VOD timeline's length. */
  durationSeconds?: number;
  bytes?: number;
  segmentCount?: number;
  renditions?: string[];
  /** Discontinuities and holes in the timeline (details in the manifest). */
  gapCount?: number;
  /** When it became ready or failed. */
  finishedAt?: string;
  failure?: RecordingFailure;
  /**
   * Outbox of the `recording.ready` / `recording.failed` event: written together with the final status,
   * removed once the event is out. `token` names the worker that sends it; `since` lets another worker
   * take over after a lease when the first one died in between.
   */
  announce?: { token: string; since: string };
  /** `recording.started` is out (set right after emitting it, so a failed emit is retried by the next call). */
  startAnnounced?: boolean;
  mp4?: Mp4Export;
  /** A delete is under way: its objects are being removed; nothing may write them again. */
  deleting?: boolean;
  /** Incremented on every write; conditional writes compare it. */
  version: number;
}

/** A recording whose lifecycle still needs work (finalization, or its final event). */
export function isUnsettled(recording: Pick<Recording, 'status' | 'announce'>): boolean {
  return recording.status === 'recording' || recording.status === 'finalizing' || recording.announce !== undefined;
}

/** One recording per session, derived from its id: every duplicate of a message names the same recording. */
export function recordingIdFor(sessionId: string): string {
  if (!isId('session', sessionId)) throw new InvalidIdError('session');
  return `${ID_PREFIXES.recording}_${sessionId.slice(ID_PREFIXES.session.length + 1)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Object layout

export const RECORDINGS_PREFIX = 'recordings/';
const RENDITION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function recordingPrefix(recordingId: string): string {
  return `${RECORDINGS_PREFIX}${recordingId}/`;
}

export function recordingRenditionPrefix(recordingId: string, rendition: string): string {
  return `${recordingPrefix(recordingId)}${rendition}/`;
}

export function vodMediaPlaylistKey(recordingId: string, rendition: string): string {
  return `${recordingRenditionPrefix(recordingId, rendition)}index.m3u8`;
}

export function vodMasterPlaylistKey(recordingId: string): string {
  return `${recordingPrefix(recordingId)}master.m3u8`;
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

/** Relative URI of a rendition's VOD playlist inside the VOD master. */
export function vodMediaPlaylistUri(rendition: string): string {
  return `${rendition}/index.m3u8`;
}

export function recordingPlaybackUrl(playbackBase: string, recordingId: string): string {
  return `${playbackBase.replace(/\/+$/, '')}/${vodMasterPlaylistKey(recordingId)}`;
}

export function recordingMp4Url(playbackBase: string, recordingId: string): string {
  return `${playbackBase.replace(/\/+$/, '')}/${mp4Key(recordingId)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Segment file names: `<seq>-<durationMs>-<disc>.ts`

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
  if (!isId('recording', recordingId) || !RENDITION_NAME.test(rendition)) return undefined;
  const seg = parseSegmentFileName(file);
  return seg ? { ...seg, recordingId, rendition, file } : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// renditions.json (written by the packager at the start of each run)

export const renditionInfoSchema = z.object({
  name: z.string().regex(RENDITION_NAME),
  bandwidth: z.number().int().positive(),
  averageBandwidth: z.number().int().positive().optional(),
  codecs: z.string().regex(/^[A-Za-z0-9.,+_ -]{1,200}$/),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  fps: z.number().positive().optional(),
});
export type RenditionInfo = z.infer<typeof renditionInfoSchema>;

export const renditionsFileSchema = z.array(renditionInfoSchema).max(64);

/** The rendition plan, or undefined when the file is missing or unreadable (the plan falls back to estimates). */
export function parseRenditionsFile(text: string | undefined): RenditionInfo[] | undefined {
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = renditionsFileSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  // First occurrence wins: it is the order the ladder chose for the master playlist.
  const seen = new Set<string>();
  return parsed.data.filter((r) => (seen.has(r.name) ? false : (seen.add(r.name), true)));
}

// ---------------------------------------------------------------------------------------------------------
// Planning the VOD from a listing

export interface PlannedRendition {
  name: string;
  playlist: MediaPlaylistInput;
  /** Bytes of the rendition's real segments. */
  bytes: number;
  /** Real (non-gap) segments. */
  segments: number;
  /** Positions written as EXT-X-GAP because this rendition lacks a segment others have. */
  gapSegments: number;
  /** Seconds of real media in this rendition. */
  durationSeconds: number;
  /** Highest bits per second of any one segment: a measured BANDWIDTH when the plan is unknown. */
  peakBitsPerSecond: number;
}

export interface VodGap {
  /** Position in the VOD timeline where playback crosses the break. */
  atSeconds: number;
  /** Media sequence number of the last segment before the break. */
  afterSequence: number;
  /** `discontinuity`: a new encoder/transcoder run; `missing`: sequence numbers absent from every rendition. */
  kind: 'discontinuity' | 'missing';
  /** For `missing`: how many sequence numbers are absent. */
  missingSegments?: number;
}

export interface VodPlan {
  /** Every rendition that has at least one segment, by name. */
  renditions: PlannedRendition[];
  gaps: VodGap[];
  /** Length of the timeline (every position, gaps included). */
  durationSeconds: number;
  /** Bytes of every segment of every rendition. */
  bytes: number;
  /** Segments of every rendition. */
  segmentCount: number;
  /** Positions on the timeline (the same in every rendition). */
  timelineSegments: number;
  firstSequence?: number;
  lastSequence?: number;
}

interface Found extends SegmentName {
  file: string;
  size: number;
}

/**
 * Rebuilds the VOD from what is stored. Segments are grouped by rendition and ordered by sequence number;
 * every rendition gets one entry per sequence number any rendition has, so sequence N is the same time
 * span in all of them (a rendition that lacks it gets an EXT-X-GAP entry). EXT-X-DISCONTINUITY goes where
 * the discontinuity number changes or sequence numbers jump (lost everywhere). Keys that are not segments
 * of `recordingId` (when given) are ignored, as are playlists, the manifest and garbage.
 */
export function planVod(objects: ReadonlyArray<{ key: string; size: number }>, options: { recordingId?: string } = {}): VodPlan {
  const byRendition = new Map<string, Map<number, Found>>();
  for (const object of objects) {
    const parsed = parseRecordingSegmentKey(object.key);
    if (!parsed || (options.recordingId !== undefined && parsed.recordingId !== options.recordingId)) continue;
    let segments = byRendition.get(parsed.rendition);
    if (!segments) byRendition.set(parsed.rendition, (segments = new Map()));
    const found: Found = { seq: parsed.seq, durationMs: parsed.durationMs, disc: parsed.disc, file: parsed.file, size: Math.max(0, object.size) };
    const existing = segments.get(found.seq);
    // The packager never reuses a number; if something did, keep one deterministically (the bigger object).
    if (!existing || found.size > existing.size || (found.size === existing.size && found.file < existing.file)) segments.set(found.seq, found);
  }
  const names = [...byRendition.keys()].sort();
  const timeline = [...new Set(names.flatMap((n) => [...(byRendition.get(n) as Map<number, Found>).keys()]))].sort((a, b) => a - b);
  if (timeline.length === 0) return { renditions: [], gaps: [], durationSeconds: 0, bytes: 0, segmentCount: 0, timelineSegments: 0 };

  // What each position looks like, taken from the first rendition (by name) that has it.
  const reference = new Map<number, Found>();
  for (const seq of timeline) {
    for (const name of names) {
      const found = byRendition.get(name)?.get(seq);
      if (found) {
        reference.set(seq, found);
        break;
      }
    }
  }

  const breaks = new Map<number, VodGap>();
  let elapsedMs = 0;
  timeline.forEach((seq, i) => {
    const ref = reference.get(seq) as Found;
    if (i > 0) {
      const prevSeq = timeline[i - 1] as number;
      const prev = reference.get(prevSeq) as Found;
      if (seq !== prevSeq + 1) breaks.set(seq, { atSeconds: elapsedMs / 1000, afterSequence: prevSeq, kind: 'missing', missingSegments: seq - prevSeq - 1 });
      else if (ref.disc !== prev.disc) breaks.set(seq, { atSeconds: elapsedMs / 1000, afterSequence: prevSeq, kind: 'discontinuity' });
    }
    elapsedMs += ref.durationMs;
  });

  const firstRef = reference.get(timeline[0] as number) as Found;
  const renditions = names.map((name): PlannedRendition => {
    const own = byRendition.get(name) as Map<number, Found>;
    const segments: MediaSegmentEntry[] = [];
    let bytes = 0;
    let realMs = 0;
    let gapSegments = 0;
    let peak = 0;
    for (const seq of timeline) {
      const found = own.get(seq);
      const ref = reference.get(seq) as Found;
      const entry: MediaSegmentEntry = found
        ? { uri: found.file, duration: found.durationMs / 1000 }
        : { uri: segmentFileName({ seq, durationMs: ref.durationMs, disc: ref.disc }), duration: ref.durationMs / 1000, gap: true };
      if (breaks.has(seq)) entry.discontinuity = true;
      segments.push(entry);
      if (found) {
        bytes += found.size;
        realMs += found.durationMs;
        peak = Math.max(peak, Math.ceil((found.size * 8 * 1000) / found.durationMs));
      } else {
        gapSegments++;
      }
    }
    return {
      name,
      playlist: {
        targetDuration: targetDurationFor(segments.map((s) => s.duration)),
        mediaSequence: timeline[0] as number,
        // The first segment's own number, so a player's numbering matches the live stream's where it can.
        discontinuitySequence: firstRef.disc,
        segments,
        endList: true,
        playlistType: 'VOD',
        independentSegments: true,
      },
      bytes,
      segments: own.size,
      gapSegments,
      durationSeconds: realMs / 1000,
      peakBitsPerSecond: peak,
    };
  });

  return {
    renditions,
    gaps: [...breaks.values()],
    durationSeconds: elapsedMs / 1000,
    bytes: renditions.reduce((sum, r) => sum + r.bytes, 0),
    segmentCount: renditions.reduce((sum, r) => sum + r.segments, 0),
    timelineSegments: timeline.length,
    firstSequence: timeline[0] as number,
    lastSequence: timeline[timeline.length - 1] as number,
  };
}

/**
 * The codecs written for a rendition the plan does not describe (renditions.json lost): the ladder's
 * usual H.264 High + AAC-LC. A guess, reported in `warnings`, so the recording still plays.
 */
export const FALLBACK_CODECS = 'avc1.640028,mp4a.40.2';

/**
 * The VOD master: renditions in the order of the rendition plan (the ladder's choice of the first
 * variant), then any rendition the plan does not name, highest measured bandwidth first.
 */
export function planVodMaster(plan: VodPlan, infos: ReadonlyArray<RenditionInfo> | undefined): { master: MasterPlaylistInput; warnings: string[] } {
  const warnings: string[] = [];
  const byName = new Map(plan.renditions.map((r) => [r.name, r]));
  const variants: Variant[] = [];
  const used = new Set<string>();
  for (const info of infos ?? []) {
    if (!byName.has(info.name) || used.has(info.name)) continue;
    used.add(info.name);
    variants.push({
      uri: vodMediaPlaylistUri(info.name),
      bandwidth: info.bandwidth,
      ...(info.averageBandwidth !== undefined ? { averageBandwidth: info.averageBandwidth } : {}),
      codecs: info.codecs,
      ...(info.width !== undefined && info.height !== undefined ? { resolution: { width: info.width, height: info.height } } : {}),
      ...(info.fps !== undefined ? { frameRate: info.fps } : {}),
    });
  }
  const unknown = plan.renditions.filter((r) => !used.has(r.name)).sort((a, b) => b.peakBitsPerSecond - a.peakBitsPerSecond || (a.name < b.name ? -1 : 1));
  for (const r of unknown) {
    warnings.push(`rendition ${r.name} is not in renditions.json; its BANDWIDTH is measured and its CODECS guessed`);
    variants.push({ uri: vodMediaPlaylistUri(r.name), bandwidth: Math.max(1, r.peakBitsPerSecond), codecs: FALLBACK_CODECS });
  }
  return { master: { variants }, warnings };
}

// ---------------------------------------------------------------------------------------------------------
// Manifest

export interface RecordingManifest {
  recordingId: string;
  streamId: string;
  sessionId: string;
  durationSeconds: number;
  renditions: Array<{ name: string; segments: number; gapSegments: number; bytes: number; durationSeconds: number; bandwidth?: number; codecs?: string; width?: number; height?: number }>;
  bytes: number;
  segmentCount: number;
  firstSequence: number;
  lastSequence: number;
  gaps: VodGap[];
}

/** Pure: the same plan gives byte-identical JSON, so a repeated finalization rewrites nothing new. */
export function buildManifest(ids: { recordingId: string; streamId: string; sessionId: string }, plan: VodPlan, infos: ReadonlyArray<RenditionInfo> | undefined): RecordingManifest {
  const infoByName = new Map((infos ?? []).map((i) => [i.name, i]));
  return {
    recordingId: ids.recordingId,
    streamId: ids.streamId,
    sessionId: ids.sessionId,
    durationSeconds: round3(plan.durationSeconds),
    renditions: plan.renditions.map((r) => {
      const info = infoByName.get(r.name);
      return {
        name: r.name,
        segments: r.segments,
        gapSegments: r.gapSegments,
        bytes: r.bytes,
        durationSeconds: round3(r.durationSeconds),
        ...(info ? { bandwidth: info.bandwidth, codecs: info.codecs } : {}),
        ...(info?.width !== undefined ? { width: info.width } : {}),
        ...(info?.height !== undefined ? { height: info.height } : {}),
      };
    }),
    bytes: plan.bytes,
    segmentCount: plan.segmentCount,
    firstSequence: plan.firstSequence ?? 0,
    lastSequence: plan.lastSequence ?? 0,
    gaps: plan.gaps.map((g) => ({ ...g, atSeconds: round3(g.atSeconds) })),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

// ---------------------------------------------------------------------------------------------------------
// What the API shows

export interface RecordingView {
  id: string;
  streamId: string;
  sessionId: string;
  status: RecordingStatus;
  /** null until the recording is ready. */
  durationSeconds: number | null;
  playback: { hls: string };
  mp4?: { status: Mp4Status; url?: string; bytes?: number };
  bytes?: number;
  segmentCount?: number;
  failureReason?: string;
  createdAt: string;
  updatedAt: string;
}

export function toRecordingView(recording: Recording, playbackBase: string): RecordingView {
  const view: RecordingView = {
    id: recording.id,
    streamId: recording.streamId,
    sessionId: recording.sessionId,
    status: recording.status,
    durationSeconds: recording.status === 'ready' && recording.durationSeconds !== undefined ? recording.durationSeconds : null,
    playback: { hls: recordingPlaybackUrl(playbackBase, recording.id) },
    createdAt: recording.createdAt,
    updatedAt: recording.updatedAt,
  };
  if (recording.mp4) {
    view.mp4 = { status: recording.mp4.status };
    if (recording.mp4.status === 'ready') {
      view.mp4.url = recordingMp4Url(playbackBase, recording.id);
      if (recording.mp4.bytes !== undefined) view.mp4.bytes = recording.mp4.bytes;
    }
  }
  if (recording.bytes !== undefined) view.bytes = recording.bytes;
  if (recording.segmentCount !== undefined) view.segmentCount = recording.segmentCount;
  if (recording.status === 'failed' && recording.failure) view.failureReason = recording.failure.reason;
  return view;
}

// ---------------------------------------------------------------------------------------------------------
// Retention

export interface RetentionPolicy {
  /** Days a recording is kept after it was created; undefined or 0 keeps recordings until deleted. */
  retentionDays?: number;
  /** A stream's own retention, overriding the global one (0 = keep). */
  streamRetentionDays?: (streamId: string) => number | undefined;
}

const DAY_MS = 86_400_000;

/**
 * The recordings past their retention at `now`. Only settled ones (ready or failed, event sent, not being
 * deleted): a recording still being written or finalized is never removed underneath its writer.
 */
export function recordingsDueForDeletion(now: Date, recordings: ReadonlyArray<Recording>, policy: RetentionPolicy): Recording[] {
  return recordings.filter((r) => {
    if (isUnsettled(r)) return false;
    // A delete that was cut off (timeout, crash) left the record marked; finishing it is always due.
    if (r.deleting) return true;
    const days = policy.streamRetentionDays?.(r.streamId) ?? policy.retentionDays;
    if (days === undefined || !(days > 0)) return false;
    const created = Date.parse(r.createdAt);
    return Number.isFinite(created) && created + days * DAY_MS <= now.getTime();
  });
}

