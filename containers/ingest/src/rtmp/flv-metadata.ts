/**
 * The source as the publisher declares it before its first frame: the FLV `onMetaData` script tag (AMF0:
 * size, frame rate, data rates) and the codec sequence headers (H.264 AVCDecoderConfigurationRecord:
 * profile and level; AAC AudioSpecificConfig: object type, sample rate, channels). What a fast start plans
 * from instead of probing seconds of media with ffprobe (session/live-session.ts).
 *
 * Must never throw on malformed input (it answers "not enough" instead), read past a buffer's end, or guess:
 * a field it cannot read makes `sourceInfo` undefined so the caller probes with ffprobe.
 */
import { nominalFrameRate } from '../../../../core/transcode/frame-rate';
import type { SourceInfo } from '../../../../core/transcode/ladder';

type AmfValue = number | boolean | string | null | undefined | AmfValue[] | { [key: string]: AmfValue };

export interface DeclaredSource {
  metadata?: Record<string, AmfValue>;
  avc?: { profileIdc: number; constraints: number; levelIdc: number };
  aac?: { objectType: number; sampleRate: number; channels: number };
  /** Tags seen that make a declared answer impossible (another codec, enhanced RTMP, a script without metadata). */
  otherVideo?: boolean;
  otherAudio?: boolean;
}

/** Collects what the tags declare; feed it whole tags (node-media-server's chunks). */
export class FlvDeclaration {
  readonly declared: DeclaredSource = {};
  private sawAudio = false;

  /** Reads the tags of one chunk. */
  add(chunk: Buffer): void {
    if (chunk.length >= 3 && chunk.toString('latin1', 0, 3) === 'FLV') return;
    let offset = 0;
    while (offset + 11 <= chunk.length) {
      const type = chunk[offset]! & 0x1f;
      const size = chunk.readUIntBE(offset + 1, 3);
      const start = offset + 11;
      if (start + size > chunk.length) return;
      const data = chunk.subarray(start, start + size);
      if (type === 18) this.onScript(data);
      else if (type === 9) this.onVideo(data);
      else if (type === 8) this.onAudio(data);
      offset = start + size + 4;
    }
  }

  private onScript(data: Buffer): void {
    const reader = new Amf0(data);
    const name = reader.value();
    // `@setDataFrame` wraps onMetaData when a publisher (ffmpeg, OBS) sends it through RTMP.
    const first = name === '@setDataFrame' ? reader.value() : name;
    if (first !== 'onMetaData') return;
    const meta = reader.value();
    if (meta && typeof meta === 'object' && !Array.isArray(meta)) this.declared.metadata = meta;
  }

  private onVideo(data: Buffer): void {
    if (data.length < 1) return;
    const first = data[0]!;
    if (first & 0x80 || (first & 0x0f) !== 7) {
      this.declared.otherVideo = true; // enhanced RTMP (HEVC, AV1…) or a legacy codec
      return;
    }
    if (data[1] !== 0 || data.length < 9) return;
    // AVCDecoderConfigurationRecord after the 5-byte AVC video tag header.
    if (data[5] !== 1) return;
    this.declared.avc = { profileIdc: data[6]!, constraints: data[7]!, levelIdc: data[8]! };
  }

  private onAudio(data: Buffer): void {
    if (data.length < 1) return;
    this.sawAudio = true;
    if (data[0]! >> 4 !== 10) {
      this.declared.otherAudio = true;
      return;
    }
    if (data[1] !== 0 || data.length < 4) return;
    const config = (data[2]! << 8) | data[3]!;
    const objectType = config >> 11;
    const frequencyIndex = (config >> 7) & 0x0f;
    const channels = (config >> 3) & 0x0f;
    const sampleRate = AAC_SAMPLE_RATES[frequencyIndex];
    if (objectType === 31 || sampleRate === undefined) return; // escape codes: leave it to ffprobe
    this.declared.aac = { objectType, sampleRate, channels };
  }

  /**
   * The source, once everything announced has been declared: metadata with size and frame rate, the AVC
   * configuration, and the AAC configuration when the metadata announces audio or audio was seen.
   * Undefined when anything is missing or not H.264/AAC (the caller probes with ffprobe).
   */
  sourceInfo(): SourceInfo | undefined {
    const { metadata, avc, aac, otherVideo, otherAudio } = this.declared;
    if (!metadata || !avc || otherVideo || otherAudio) return undefined;
    const width = positive(metadata.width);
    const height = positive(metadata.height);
    const framerate = positive(metadata.framerate) ?? positive(metadata.videoframerate);
    if (!width || !height || !framerate || framerate > 240) return undefined;
    const announcesAudio = metadata.audiocodecid !== undefined || metadata.audiosamplerate !== undefined || metadata.stereo !== undefined;
    if ((announcesAudio || this.sawAudio) && !aac) return undefined;
    const info: SourceInfo = {
      video: { codec: 'h264', profile: avcProfile(avc.profileIdc, avc.constraints), width: Math.round(width), height: Math.round(height), fps: nominalFrameRate(framerate) },
    };
    if (avc.levelIdc > 0) info.video!.level = avc.levelIdc;
    const videoKbps = declaredKbps(metadata.videodatarate);
    if (videoKbps !== undefined) info.video!.bitrateKbps = videoKbps;
    if (aac) {
      info.audio = { codec: 'aac', sampleRate: aac.sampleRate, channels: aac.channels };
      const profile = AAC_PROFILES[aac.objectType];
      if (profile) info.audio.profile = profile;
      const audioKbps = declaredKbps(metadata.audiodatarate);
      if (audioKbps !== undefined) info.audio.bitrateKbps = audioKbps;
    }
    return info;
  }
}

const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** ffprobe's names, which the ladder compares (`LC` is copied). */
const AAC_PROFILES: Record<number, string> = { 1: 'Main', 2: 'LC', 3: 'SSR', 4: 'LTP', 5: 'HE-AAC', 29: 'HE-AACv2' };

/** ffprobe's profile names for H.264 profile_idc (+ constraint_set1 for Constrained Baseline). */
function avcProfile(idc: number, constraints: number): string {
  switch (idc) {
    case 66:
      return constraints & 0x40 ? 'Constrained Baseline' : 'Baseline';
    case 77:
      return 'Main';
    case 88:
      return 'Extended';
    case 100:
      return 'High';
    case 110:
      return 'High 10';
    case 122:
      return 'High 4:2:2';
    case 244:
      return 'High 4:4:4 Predictive';
    default:
      return `profile ${idc}`;
  }
}

/** FLV data rates are kilobits of 1024 bits (ffmpeg's muxer writes bit_rate / 1024); ffprobe reads them back so. */
function declaredKbps(value: AmfValue): number | undefined {
  const rate = positive(value);
  return rate === undefined ? undefined : Math.round((rate * 1024) / 1000);
}

function positive(value: AmfValue): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** A bounded AMF0 reader: undefined (and nothing further) on anything it does not know or that is cut short. */
class Amf0 {
  private offset = 0;
  private failed = false;

  constructor(private readonly data: Buffer) {}

  value(depth = 0): AmfValue {
    if (this.failed || depth > 8 || !this.has(1)) return this.fail();
    const marker = this.data[this.offset++]!;
    switch (marker) {
      case 0x00:
        if (!this.has(8)) return this.fail();
        this.offset += 8;
        return this.data.readDoubleBE(this.offset - 8);
      case 0x01:
        if (!this.has(1)) return this.fail();
        return this.data[this.offset++] !== 0;
      case 0x02:
        return this.shortString();
      case 0x03:
        return this.properties(depth);
      case 0x05:
        return null;
      case 0x06:
        return undefined;
      case 0x08:
        if (!this.has(4)) return this.fail();
        this.offset += 4; // the count is a hint; the end marker ends it
        return this.properties(depth);
      case 0x0a: {
        if (!this.has(4)) return this.fail();
        const count = this.data.readUInt32BE(this.offset);
        this.offset += 4;
        const out: AmfValue[] = [];
        for (let i = 0; i < count && !this.failed; i++) out.push(this.value(depth + 1));
        return out;
      }
      case 0x0b:
        if (!this.has(10)) return this.fail();
        this.offset += 10;
        return this.data.readDoubleBE(this.offset - 10);
      case 0x0c: {
        if (!this.has(4)) return this.fail();
        const length = this.data.readUInt32BE(this.offset);
        this.offset += 4;
        if (!this.has(length)) return this.fail();
        this.offset += length;
        return this.data.toString('utf8', this.offset - length, this.offset);
      }
      default:
        return this.fail();
    }
  }

  private properties(depth: number): Record<string, AmfValue> {
    const out: Record<string, AmfValue> = {};
    while (!this.failed) {
      if (!this.has(3)) {
        this.fail();
        break;
      }
      if (this.data.readUInt16BE(this.offset) === 0 && this.data[this.offset + 2] === 0x09) {
        this.offset += 3;
        break;
      }
      const key = this.shortString();
      if (this.failed || key === undefined) break;
      const value = this.value(depth + 1);
      if (!this.failed) out[key] = value;
    }
    return out;
  }

  private shortString(): string | undefined {
    if (!this.has(2)) return this.fail();
    const length = this.data.readUInt16BE(this.offset);
    this.offset += 2;
    if (!this.has(length)) return this.fail();
    this.offset += length;
    return this.data.toString('utf8', this.offset - length, this.offset);
  }

  private has(bytes: number): boolean {
    return this.offset + bytes <= this.data.length;
  }

  private fail(): undefined {
    this.failed = true;
    return undefined;
  }
}
