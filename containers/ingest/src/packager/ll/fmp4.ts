/**
 * Reading fragmented MP4 (CMAF) as ffmpeg writes it, incrementally: top-level boxes are cut from a growing
 * byte stream, `ftyp`+`moov` become the initialization section, and every `moof`+`mdat` pair becomes a
 * fragment with its timing (start and duration of the main track, in seconds) and whether it starts with
 * a keyframe. Only the boxes and fields fragment timing needs are read (ISO/IEC 14496-12 §8.8); no
 * maintained MP4 parser is installed here, and this is a few dozen lines of well-specified reading.
 * Must never: hand out a partial box, trust a box size that runs past the data (it waits for more), or
 * accept a box larger than MAX_BOX_BYTES (a corrupt stream must not make it buffer without bound).
 */

export interface TrackInfo {
  id: number;
  kind: 'video' | 'audio' | 'other';
  timescale: number;
  defaultSampleDuration: number;
  defaultSampleFlags: number;
}

export interface Fragment {
  /** `moof` + `mdat` bytes, as they go into a part. */
  bytes: Buffer;
  /** Decode time of the fragment's first sample of the main track (video if any), seconds. */
  start: number;
  /** Sum of the main track's sample durations, seconds. */
  duration: number;
  /** The main track's first sample is a sync sample (always true for audio-only). */
  keyframe: boolean;
}

export type Fmp4Event = { type: 'init'; bytes: Buffer; tracks: TrackInfo[] } | { type: 'fragment'; fragment: Fragment };

export class Fmp4FormatError extends Error {
  override readonly name = 'Fmp4FormatError';
  readonly code = 'fmp4_malformed';
}

const MAX_BOX_BYTES = 64 * 1024 * 1024;
const SAMPLE_IS_NON_SYNC = 0x00010000;

export class Fmp4Reader {
  private pending: Buffer = Buffer.alloc(0);
  private ftyp: Buffer | undefined;
  private moof: Buffer | undefined;
  private tracks = new Map<number, TrackInfo>();
  private mainTrack: number | undefined;

  /** Feeds bytes; returns what became complete. */
  push(chunk: Buffer): Fmp4Event[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const events: Fmp4Event[] = [];
    let offset = 0;
    for (;;) {
      const box = boxAt(this.pending, offset, this.pending.length);
      if (!box) break;
      if (box.size > MAX_BOX_BYTES) throw new Fmp4FormatError(`box ${box.type} of ${box.size} bytes is larger than ${MAX_BOX_BYTES}`);
      if (offset + box.size > this.pending.length) break;
      const bytes = this.pending.subarray(offset, offset + box.size);
      offset += box.size;
      const event = this.onBox(box.type, bytes, box.header);
      if (event) events.push(event);
    }
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    return events;
  }

  private onBox(type: string, bytes: Buffer, header: number): Fmp4Event | undefined {
    switch (type) {
      case 'ftyp':
        this.ftyp = Buffer.from(bytes);
        return undefined;
      case 'moov': {
        this.readMoov(bytes, header);
        const tracks = [...this.tracks.values()];
        this.mainTrack = (tracks.find((t) => t.kind === 'video') ?? tracks[0])?.id;
        return { type: 'init', bytes: Buffer.concat([this.ftyp ?? Buffer.alloc(0), bytes]), tracks };
      }
      case 'moof':
        this.moof = Buffer.from(bytes);
        return undefined;
      case 'mdat': {
        const moof = this.moof;
        if (!moof) return undefined; // media before any fragment header: not ours to split
        this.moof = undefined;
        return { type: 'fragment', fragment: { bytes: Buffer.concat([moof, bytes]), ...this.timing(moof) } };
      }
      default:
        return undefined; // styp, sidx, free…: not needed for parts
    }
  }

  private readMoov(moov: Buffer, header: number): void {
    this.tracks.clear();
    const defaults = new Map<number, { duration: number; flags: number }>();
    for (const child of children(moov, header, moov.length)) {
      if (child.type === 'trak') {
        const track: TrackInfo = { id: 0, kind: 'other', timescale: 1, defaultSampleDuration: 0, defaultSampleFlags: 0 };
        for (const t of children(moov, child.start + child.header, child.end)) {
          if (t.type === 'tkhd') track.id = moov.readUInt8(t.body) === 1 ? moov.readUInt32BE(t.body + 4 + 16) : moov.readUInt32BE(t.body + 4 + 8);
          if (t.type !== 'mdia') continue;
          for (const m of children(moov, t.start + t.header, t.end)) {
            if (m.type === 'mdhd') track.timescale = moov.readUInt32BE(m.body + 4 + (moov.readUInt8(m.body) === 1 ? 16 : 8));
            if (m.type === 'hdlr') {
              const handler = moov.toString('latin1', m.body + 8, m.body + 12);
              track.kind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other';
            }
          }
        }
        this.tracks.set(track.id, track);
      } else if (child.type === 'mvex') {
        for (const x of children(moov, child.start + child.header, child.end)) {
          if (x.type !== 'trex') continue;
          defaults.set(moov.readUInt32BE(x.body + 4), { duration: moov.readUInt32BE(x.body + 12), flags: moov.readUInt32BE(x.body + 20) });
        }
      }
    }
    for (const [id, d] of defaults) {
      const track = this.tracks.get(id);
      if (track) {
        track.defaultSampleDuration = d.duration;
        track.defaultSampleFlags = d.flags;
      }
    }
  }

  private timing(moof: Buffer): Omit<Fragment, 'bytes'> {
    let result: Omit<Fragment, 'bytes'> | undefined;
    let fallback: Omit<Fragment, 'bytes'> | undefined;
    for (const traf of children(moof, 8, moof.length)) {
      if (traf.type !== 'traf') continue;
      let trackId = 0;
      let duration: number | undefined;
      let flags: number | undefined;
      let decodeTime = 0;
      let total = 0;
      let firstFlags: number | undefined;
      for (const box of children(moof, traf.start + traf.header, traf.end)) {
        if (box.type === 'tfhd') {
          const tf = moof.readUInt32BE(box.body) & 0xffffff;
          trackId = moof.readUInt32BE(box.body + 4);
          let p = box.body + 8;
          if (tf & 0x01) p += 8;
          if (tf & 0x02) p += 4;
          if (tf & 0x08) (duration = moof.readUInt32BE(p)), (p += 4);
          if (tf & 0x10) p += 4;
          if (tf & 0x20) flags = moof.readUInt32BE(p);
        } else if (box.type === 'tfdt') {
          decodeTime = moof.readUInt8(box.body) === 1 ? Number(moof.readBigUInt64BE(box.body + 4)) : moof.readUInt32BE(box.body + 4);
        } else if (box.type === 'trun') {
          const track = this.tracks.get(trackId);
          const tr = moof.readUInt32BE(box.body) & 0xffffff;
          const count = moof.readUInt32BE(box.body + 4);
          let p = box.body + 8;
          if (tr & 0x01) p += 4;
          let first: number | undefined;
          if (tr & 0x04) (first = moof.readUInt32BE(p)), (p += 4);
          for (let i = 0; i < count; i++) {
            let d = duration ?? track?.defaultSampleDuration ?? 0;
            let f = flags ?? track?.defaultSampleFlags ?? 0;
            if (tr & 0x100) (d = moof.readUInt32BE(p)), (p += 4);
            if (tr & 0x200) p += 4;
            if (tr & 0x400) (f = moof.readUInt32BE(p)), (p += 4);
            if (tr & 0x800) p += 4;
            if (i === 0 && firstFlags === undefined) firstFlags = first ?? f;
            total += d;
          }
        }
      }
      const track = this.tracks.get(trackId);
      const scale = track?.timescale ?? 1;
      const timing = { start: decodeTime / scale, duration: total / scale, keyframe: track?.kind !== 'video' || ((firstFlags ?? 0) & SAMPLE_IS_NON_SYNC) === 0 };
      if (trackId === this.mainTrack) result = timing;
      fallback ??= timing;
    }
    // A fragment without the main track (audio only between two video frames) adds no time of its own.
    return result ?? (fallback ? { ...fallback, duration: 0, keyframe: false } : { start: 0, duration: 0, keyframe: false });
  }
}

interface BoxRef {
  type: string;
  start: number;
  end: number;
  header: number;
  /** Where the box's content starts (after size, type and any large size). */
  body: number;
}

function boxAt(buf: Buffer, offset: number, end: number): { type: string; size: number; header: number } | undefined {
  if (end - offset < 8) return undefined;
  let size = buf.readUInt32BE(offset);
  const type = buf.toString('latin1', offset + 4, offset + 8);
  let header = 8;
  if (size === 1) {
    if (end - offset < 16) return undefined;
    size = Number(buf.readBigUInt64BE(offset + 8));
    header = 16;
  } else if (size === 0) {
    throw new Fmp4FormatError(`box ${type} runs to the end of the stream; a live fragmented stream never has one`);
  }
  if (size < header) throw new Fmp4FormatError(`box ${JSON.stringify(type)} has an impossible size ${size}`);
  return { type, size, header };
}

function* children(buf: Buffer, start: number, end: number): Generator<BoxRef> {
  let offset = start;
  while (offset < end) {
    const box = boxAt(buf, offset, end);
    if (!box || offset + box.size > end) throw new Fmp4FormatError('a box runs past its parent');
    yield { type: box.type, start: offset, end: offset + box.size, header: box.header, body: offset + box.header };
    offset += box.size;
  }
}
