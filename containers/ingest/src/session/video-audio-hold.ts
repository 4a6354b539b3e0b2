/**
 * Between a live feed's FLV and its transcoder: no video frame reaches the transcoder before audio of at
 * least its time has. The transcoder may cut a segment at any video frame it is given (a source keyframe,
 * or an encoded rung's forced one), so a feed that ends just after such a frame — the encoder killed or
 * stalled, a backup switch, the publisher leaving — would otherwise leave a last segment of one video frame
 * and no audio: its declared audio track missing, players drop audio or stall there. Held media of a feed
 * that ends is never transcoded (a few milliseconds: up to the next audio frame).
 * In a steady feed this costs next to no latency: ffmpeg's muxer, interleaving by time, writes a video
 * frame only once audio past it arrived anyway.
 *
 * Must never: reorder tags, hold video more than `maxHoldMs` past the audio (a feed whose audio stopped
 * keeps flowing), or hold anything when the plan has no audio (then it is constructed disabled).
 */
import { inspectFlvTags, type FlvTagInfo } from '../rtmp/flv-tap';

export interface VideoAudioHoldOptions {
  /** False for a plan without audio (or without video): everything passes at once. */
  audio: boolean;
  /** Video held this far (media time) past the oldest held frame is let through without audio. Default 500. */
  maxHoldMs?: number;
}

const FLV_HEADER_BYTES = 13; // 9-byte header + PreviousTagSize0
const TAG_HEADER_BYTES = 11;

interface Held {
  piece: Buffer;
  tag: FlvTagInfo | undefined;
}

export class VideoAudioHold {
  private held: Held[] = [];
  /** Latest audio time given to the transcoder. */
  private audioFedMs = Number.NEGATIVE_INFINITY;
  private readonly maxHoldMs: number;

  constructor(private readonly options: VideoAudioHoldOptions) {
    this.maxHoldMs = options.maxHoldMs ?? 500;
  }

  /** Bytes held back right now. */
  get heldBytes(): number {
    return this.held.reduce((sum, h) => sum + h.piece.length, 0);
  }

  /** Takes a chunk of the feed (whole tags, as node-media-server hands them over); returns what may go on now. */
  push(chunk: Buffer): Buffer[] {
    if (!this.options.audio) return [chunk];
    for (const piece of splitTags(chunk)) this.held.push({ piece, tag: inspectFlvTags(piece)[0] });
    return this.release();
  }

  /**
   * Drops what is held: the feed ended (its last frames never make a segment without audio), or a fresh
   * transcoder is primed from the broadcast's cached GOP (which holds them again).
   */
  reset(): { droppedBytes: number; videoFromMs: number | undefined } {
    const firstVideo = this.held.find((h) => isMedia(h.tag, 'video'))?.tag?.timestampMs;
    const dropped = { droppedBytes: this.heldBytes, videoFromMs: firstVideo };
    this.held = [];
    this.audioFedMs = Number.NEGATIVE_INFINITY;
    return dropped;
  }

  /** Lets through the longest prefix in which every video frame has audio of its time before the prefix ends. */
  private release(): Buffer[] {
    let audioMs = this.audioFedMs;
    let videoMs = Number.NEGATIVE_INFINITY;
    let firstVideoMs: number | undefined;
    let end = 0;
    for (let i = 0; i < this.held.length; i++) {
      const tag = this.held[i]!.tag;
      if (isMedia(tag, 'audio')) audioMs = Math.max(audioMs, tag.timestampMs);
      else if (isMedia(tag, 'video')) {
        videoMs = Math.max(videoMs, tag.timestampMs);
        firstVideoMs ??= tag.timestampMs;
      }
      if (videoMs <= audioMs) end = i + 1;
    }
    // The audio stopped (or lags far behind): video goes on without it rather than stalling the output.
    if (firstVideoMs !== undefined && videoMs - firstVideoMs >= this.maxHoldMs) end = this.held.length;
    const out = this.held.slice(0, end);
    this.held = this.held.slice(end);
    for (const h of out) if (isMedia(h.tag, 'audio')) this.audioFedMs = Math.max(this.audioFedMs, h.tag.timestampMs);
    return out.map((h) => h.piece);
  }
}

function isMedia<T extends 'audio' | 'video'>(tag: FlvTagInfo | undefined, type: T): tag is FlvTagInfo & { type: T } {
  return tag !== undefined && tag.type === type && !tag.config;
}

/**
 * One buffer per FLV tag (with its trailing previous-tag-size); the file header, and anything that does not
 * parse as whole tags (a partial tag), come out as they are.
 */
function splitTags(chunk: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let offset = 0;
  if (chunk.length >= 3 && chunk.toString('latin1', 0, 3) === 'FLV') {
    offset = Math.min(chunk.length, FLV_HEADER_BYTES);
    pieces.push(chunk.subarray(0, offset));
  }
  while (offset + TAG_HEADER_BYTES <= chunk.length) {
    const end = offset + TAG_HEADER_BYTES + chunk.readUIntBE(offset + 1, 3) + 4;
    if (end > chunk.length) break;
    pieces.push(chunk.subarray(offset, end));
    offset = end;
  }
  if (offset < chunk.length) pieces.push(chunk.subarray(offset));
  return pieces;
}
