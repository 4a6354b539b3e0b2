/**
 * Which tracks an MPEG-TS segment really carries: the elementary streams its program table (PMT) declares,
 * and whether each of them starts at least one PES packet in the segment. The packager uses it to keep a
 * run's last segment out of the playlists when it lacks a track the rendition declares (an ffmpeg stopped
 * by a signal writes its last video frames without the audio it still held: players drop audio or stall
 * there, and some reject a segment missing a PID the PMT declares).
 * Pure: looks at a buffer, never reads files or decodes media. Must never call a segment whole when it
 * could not find the program table (that is `undefined`, not "complete").
 */

const TS_PACKET = 188;
const SYNC = 0x47;

export type TrackKind = 'video' | 'audio' | 'other';

export interface TsTracks {
  /** Elementary streams of the first program, by PID. */
  streams: Array<{ pid: number; kind: TrackKind; pesStarts: number }>;
}

/** MPEG-TS stream_type → kind (ISO/IEC 13818-1 table 2-34, plus the private types HLS uses). */
function kindOf(streamType: number): TrackKind {
  if ([0x01, 0x02, 0x10, 0x1b, 0x24, 0x42, 0xea].includes(streamType)) return 'video';
  if ([0x03, 0x04, 0x0f, 0x11, 0x81, 0x87, 0xc1, 0xc2, 0xcf].includes(streamType)) return 'audio';
  return 'other';
}

/** The tracks of a segment, or undefined when it holds no PAT and PMT (not a TS segment of ours). */
export function inspectTsTracks(data: Buffer): TsTracks | undefined {
  let pmtPid: number | undefined;
  let streams: TsTracks['streams'] | undefined;
  const starts = new Map<number, number>();
  for (let offset = 0; offset + TS_PACKET <= data.length; offset += TS_PACKET) {
    if (data[offset] !== SYNC) return streams ? withStarts(streams, starts) : undefined;
    const pusi = (data[offset + 1]! & 0x40) !== 0;
    const pid = ((data[offset + 1]! & 0x1f) << 8) | data[offset + 2]!;
    const adaptation = (data[offset + 3]! >> 4) & 0x3;
    if (!(adaptation & 0x1)) continue; // no payload
    let payload = offset + 4;
    if (adaptation & 0x2) payload += 1 + data[offset + 4]!;
    if (payload >= offset + TS_PACKET) continue;
    if (pid === 0 && pusi && pmtPid === undefined) pmtPid = patPmtPid(data.subarray(payload, offset + TS_PACKET));
    else if (pid === pmtPid && pusi && !streams) streams = pmtStreams(data.subarray(payload, offset + TS_PACKET));
    else if (pusi) starts.set(pid, (starts.get(pid) ?? 0) + 1);
  }
  return streams ? withStarts(streams, starts) : undefined;
}

/** Kinds the segment declares (PMT) but carries no PES of. */
export function missingTracks(tracks: TsTracks): TrackKind[] {
  return [...new Set(tracks.streams.filter((s) => s.kind !== 'other' && s.pesStarts === 0).map((s) => s.kind))];
}

/** Kinds an RFC 6381 codecs string declares (`avc1.64000d,mp4a.40.2` → video, audio). */
export function declaredKinds(codecs: string): TrackKind[] {
  const kinds = new Set<TrackKind>();
  for (const codec of codecs.split(',').map((c) => c.trim().toLowerCase())) {
    if (/^(avc[13]|hvc1|hev1|vp09|av01)/.test(codec)) kinds.add('video');
    else if (/^(mp4a|ac-3|ec-3|opus|mp3)/.test(codec)) kinds.add('audio');
  }
  return [...kinds];
}

function withStarts(streams: TsTracks['streams'], starts: Map<number, number>): TsTracks {
  return { streams: streams.map((s) => ({ ...s, pesStarts: starts.get(s.pid) ?? 0 })) };
}

/** Where a PSI section's entries end (before its CRC), or undefined if it does not fit the packet. */
function sectionEnd(payload: Buffer): number | undefined {
  const start = 1 + (payload[0] ?? 0);
  if (start + 3 > payload.length) return undefined;
  const length = ((payload[start + 1]! & 0x0f) << 8) | payload[start + 2]!;
  const end = start + 3 + length - 4; // without the CRC
  if (end > payload.length || length < 9) return undefined;
  return end;
}

function patPmtPid(payload: Buffer): number | undefined {
  const end = sectionEnd(payload);
  if (end === undefined) return undefined;
  const start = 1 + payload[0]!;
  for (let i = start + 8; i + 4 <= end; i += 4) {
    const program = (payload[i]! << 8) | payload[i + 1]!;
    if (program !== 0) return ((payload[i + 2]! & 0x1f) << 8) | payload[i + 3]!;
  }
  return undefined;
}

function pmtStreams(payload: Buffer): TsTracks['streams'] | undefined {
  const end = sectionEnd(payload);
  if (end === undefined) return undefined;
  const start = 1 + payload[0]!;
  const infoLength = ((payload[start + 10]! & 0x0f) << 8) | payload[start + 11]!;
  const streams: TsTracks['streams'] = [];
  for (let i = start + 12 + infoLength; i + 5 <= end; ) {
    const streamType = payload[i]!;
    const pid = ((payload[i + 1]! & 0x1f) << 8) | payload[i + 2]!;
    const esInfo = ((payload[i + 3]! & 0x0f) << 8) | payload[i + 4]!;
    streams.push({ pid, kind: kindOf(streamType), pesStarts: 0 });
    i += 5 + esInfo;
  }
  return streams;
}
