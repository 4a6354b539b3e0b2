/**
 * The pure planning that rebuilds a recording's VOD playlists from nothing but a listing of its folder
 * (so whatever the ingest managed to upload before a crash is what the recording contains), and the VOD
 * master from the rendition plan.
 *
 * A recording may hold both layouts (core/media/layout.ts): per-rendition segment objects
 * (`<rendition>/<seq>-<ms>-<disc>.ts`: segmentObjects=rendition, and scratch recovery after a crash) and
 * segment rounds (`rounds/<round file>`): each round member becomes its rendition's segment of that
 * sequence, named `../rounds/<round file>` with its EXT-X-BYTERANGE in the VOD playlist.
 *
 * Must never do I/O or read a clock: a plan is a function of the listing.
 */
import { targetDurationFor, type MasterPlaylistInput, type MediaPlaylistInput, type MediaSegmentEntry, type Variant } from '../hls/playlist';
import { mediaPlaylistUri, parseRecordingRoundKey, parseRecordingSegmentKey, roundMemberRanges, segmentFileName, siblingRoundUri, type ByteRange, type SegmentName } from '../media/layout';
import type { RenditionInfo } from './renditions-file';


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
  /** The URI in the rendition's VOD playlist (`recordings/<rec>/<rendition>/index.m3u8`). */
  file: string;
  size: number;
  /** Set for a member of a segment round: its bytes inside `file`. */
  byteRange?: ByteRange;
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
  const add = (rendition: string, found: Found): void => {
    let segments = byRendition.get(rendition);
    if (!segments) byRendition.set(rendition, (segments = new Map()));
    const existing = segments.get(found.seq);
    // The packager never reuses a number; if something did (or a scratch recovery stored a round's member
    // again as its own object), keep one deterministically: the bigger, then the name that sorts first.
    if (!existing || found.size > existing.size || (found.size === existing.size && found.file < existing.file)) segments.set(found.seq, found);
  };
  for (const object of objects) {
    const parsed = parseRecordingSegmentKey(object.key);
    if (parsed) {
      if (options.recordingId !== undefined && parsed.recordingId !== options.recordingId) continue;
      add(parsed.rendition, { seq: parsed.seq, durationMs: parsed.durationMs, disc: parsed.disc, file: parsed.file, size: Math.max(0, object.size) });
      continue;
    }
    const round = parseRecordingRoundKey(object.key);
    if (!round || (options.recordingId !== undefined && round.recordingId !== options.recordingId)) continue;
    // A round whose stored size is not what its name says is not what the packager wrote: skip it whole.
    if (round.members.reduce((n, m) => n + m.bytes, 0) !== object.size) continue;
    for (const m of roundMemberRanges(round)) {
      add(m.rendition, { seq: round.seq, durationMs: m.durationMs, disc: round.disc, file: siblingRoundUri(round.file), size: m.bytes, byteRange: { offset: m.offset, length: m.length } });
    }
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
        ? { uri: found.file, duration: found.durationMs / 1000, ...(found.byteRange ? { byteRange: { ...found.byteRange } } : {}) }
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
      uri: mediaPlaylistUri(info.name),
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
    variants.push({ uri: mediaPlaylistUri(r.name), bandwidth: Math.max(1, r.peakBitsPerSecond), codecs: FALLBACK_CODECS });
  }
  return { master: { variants }, warnings };
}
