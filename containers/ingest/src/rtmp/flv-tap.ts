/**
 * An in-process subscriber on a live broadcast that hands the FLV byte stream (header, metadata, codec
 * configuration, the cached GOP, then every tag) to a sink. Attaching a new tap replays from the latest
 * keyframe, which is how a restarted transcoder is primed. Media never leaves the process through a
 * network hop, and the stream key never appears on any command line.
 */
import { randomUUID } from 'node:crypto';
import type { NmsBroadcast, NmsSubscriber } from './nms';

export type FlvSink = (chunk: Buffer) => void;

export class FlvTap implements NmsSubscriber {
  readonly id = `tap-${randomUUID()}`;
  readonly ip = '';
  readonly protocol = 'flv' as const;
  private attached = false;

  constructor(
    readonly streamPath: string,
    private readonly broadcast: NmsBroadcast,
    private readonly sink: FlvSink,
  ) {}

  attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.broadcast.postPlay(this);
  }

  sendBuffer = (buffer: Buffer): void => {
    if (this.attached) this.sink(buffer);
  };

  close = (): void => {
    if (!this.attached) return;
    this.attached = false;
    this.broadcast.donePlay(this);
  };
}

/** FLV tag inspection needed before the transcoder starts: media time and video keyframes. */
export interface FlvTagInfo {
  type: 'audio' | 'video' | 'script';
  timestampMs: number;
  keyframe: boolean;
  /** Payload bytes of the tag (what the encoder sent for this frame, without FLV framing). */
  bytes: number;
  /** A codec or sequence header rather than media (video AVC/HEVC config, AAC AudioSpecificConfig). */
  config: boolean;
}

/**
 * Reads the tags in one buffer as node-media-server emits them (whole tags, each followed by its
 * previous-tag-size). The FLV file header (starts with "FLV") yields no tags.
 */
export function inspectFlvTags(buffer: Buffer): FlvTagInfo[] {
  const tags: FlvTagInfo[] = [];
  if (buffer.length >= 3 && buffer.toString('latin1', 0, 3) === 'FLV') return tags;
  let offset = 0;
  while (offset + 11 <= buffer.length) {
    const tagType = buffer[offset]! & 0x1f;
    const dataSize = buffer.readUIntBE(offset + 1, 3);
    const timestampMs = (buffer.readUIntBE(offset + 4, 3) | (buffer[offset + 7]! << 24)) >>> 0;
    const dataStart = offset + 11;
    if (dataStart + dataSize > buffer.length) break;
    if (tagType === 8) {
      const first = buffer[dataStart] ?? 0;
      const aacConfig = first >> 4 === 10 && buffer[dataStart + 1] === 0;
      tags.push({ type: 'audio', timestampMs, keyframe: false, bytes: dataSize, config: aacConfig });
    } else if (tagType === 9) {
      const first = buffer[dataStart] ?? 0;
      const isSequenceHeader = (first & 0x0f) === 7 && buffer[dataStart + 1] === 0;
      tags.push({ type: 'video', timestampMs, keyframe: (first >> 4) === 1 && !isSequenceHeader, bytes: dataSize, config: isSequenceHeader });
    } else if (tagType === 18) tags.push({ type: 'script', timestampMs, keyframe: false, bytes: dataSize, config: true });
    offset = dataStart + dataSize + 4;
  }
  return tags;
}
