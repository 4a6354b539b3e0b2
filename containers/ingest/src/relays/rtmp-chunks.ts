/**
 * The RTMP chunk stream, both ways: `ChunkReader` turns bytes (after the handshake) into whole messages,
 * following every header form (fmt 0–3, extended timestamps, 1–3 byte chunk stream ids) and the
 * sender's Set Chunk Size; `writeMessage` serialises a message again (a full header, then continuation
 * chunks). The relay forwarder re-chunks what ffmpeg sends so it can rewrite commands without leaving
 * the receiver with header state that no longer matches. Must never buffer without bound: a message
 * over MAX_MESSAGE_BYTES or a chunk size over MAX_CHUNK_SIZE is a protocol error.
 */

export interface RtmpMessage {
  csid: number;
  timestamp: number;
  type: number;
  streamId: number;
  payload: Buffer;
}

export class RtmpProtocolError extends Error {
  override readonly name = 'RtmpProtocolError';
}

export const MSG_SET_CHUNK_SIZE = 1;
export const MSG_AMF0_COMMAND = 20;
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const MAX_CHUNK_SIZE = 0x7fffffff;

interface ChunkStreamState {
  timestamp: number;
  tsField: number;
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  parts: Buffer[];
  received: number;
}

export class ChunkReader {
  private buffer: Buffer = Buffer.alloc(0);
  private chunkSize = 128;
  private readonly streams = new Map<number, ChunkStreamState>();

  /** Every message completed by these bytes, in order. */
  push(bytes: Buffer): RtmpMessage[] {
    this.buffer = this.buffer.length === 0 ? bytes : Buffer.concat([this.buffer, bytes]);
    const messages: RtmpMessage[] = [];
    for (;;) {
      const message = this.readChunk();
      if (message === null) break;
      if (message) messages.push(message);
    }
    return messages;
  }

  /** null: need more bytes; undefined: a chunk was read but its message is not complete. */
  private readChunk(): RtmpMessage | null | undefined {
    const b = this.buffer;
    if (b.length < 1) return null;
    const fmt = b[0]! >> 6;
    let csid = b[0]! & 0x3f;
    let offset = 1;
    if (csid === 0) {
      if (b.length < 2) return null;
      csid = 64 + b[1]!;
      offset = 2;
    } else if (csid === 1) {
      if (b.length < 3) return null;
      csid = 64 + b[1]! + b[2]! * 256;
      offset = 3;
    }
    const headerLength = [11, 7, 3, 0][fmt]!;
    if (b.length < offset + headerLength) return null;
    const previous = this.streams.get(csid);
    if (fmt !== 0 && !previous) throw new RtmpProtocolError(`chunk stream ${csid} starts without a full header`);
    const state: ChunkStreamState = previous ?? { timestamp: 0, tsField: 0, length: 0, type: 0, streamId: 0, extended: false, parts: [], received: 0 };
    const starting = state.received === 0;
    let tsField = state.tsField;
    let extended = state.extended;
    if (fmt <= 2) {
      tsField = b.readUIntBE(offset, 3);
      extended = tsField === 0xffffff;
    }
    let cursor = offset + headerLength;
    if (extended) {
      if (b.length < cursor + 4) return null;
      if (fmt <= 2) tsField = b.readUInt32BE(cursor);
      cursor += 4;
    }
    let length = state.length;
    let type = state.type;
    let streamId = state.streamId;
    if (fmt <= 1) {
      length = b.readUIntBE(offset + 3, 3);
      type = b[offset + 6]!;
    }
    if (fmt === 0) streamId = b.readUInt32LE(offset + 7);
    if (length > MAX_MESSAGE_BYTES) throw new RtmpProtocolError(`message of ${length} bytes is too large`);
    const take = Math.min(this.chunkSize, length - (starting ? 0 : state.received));
    if (b.length < cursor + take) return null;
    // The header is consumed only once the whole chunk is here.
    if (starting) {
      state.timestamp = fmt === 0 ? tsField : (state.timestamp + tsField) >>> 0;
      state.tsField = tsField;
      state.length = length;
      state.type = type;
      state.streamId = streamId;
    }
    state.extended = extended;
    state.parts.push(b.subarray(cursor, cursor + take));
    state.received += take;
    this.streams.set(csid, state);
    this.buffer = b.subarray(cursor + take);
    if (state.received < state.length) return undefined;
    const payload = Buffer.concat(state.parts);
    state.parts = [];
    state.received = 0;
    const message: RtmpMessage = { csid, timestamp: state.timestamp, type: state.type, streamId: state.streamId, payload };
    if (message.type === MSG_SET_CHUNK_SIZE && payload.length >= 4) {
      const size = payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1 || size > MAX_CHUNK_SIZE) throw new RtmpProtocolError(`chunk size ${size} is not valid`);
      this.chunkSize = size;
    }
    return message;
  }
}

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid < 64) return Buffer.from([(fmt << 6) | csid]);
  if (csid < 320) return Buffer.from([fmt << 6, csid - 64]);
  return Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
}

/** One message as chunks of `chunkSize`: a full (fmt 0) header, then fmt 3 continuations. */
export function writeMessage(message: RtmpMessage, chunkSize: number): Buffer {
  const extended = message.timestamp >= 0xffffff;
  const header = Buffer.alloc(11);
  header.writeUIntBE(extended ? 0xffffff : message.timestamp, 0, 3);
  header.writeUIntBE(message.payload.length, 3, 3);
  header[6] = message.type;
  header.writeUInt32LE(message.streamId, 7);
  const ext = extended ? Buffer.alloc(4) : Buffer.alloc(0);
  if (extended) ext.writeUInt32BE(message.timestamp >>> 0);
  const parts: Buffer[] = [basicHeader(0, message.csid), header, ext];
  for (let offset = 0; offset < message.payload.length || offset === 0; offset += chunkSize) {
    if (offset > 0) parts.push(basicHeader(3, message.csid), ext);
    parts.push(message.payload.subarray(offset, offset + chunkSize));
    if (message.payload.length === 0) break;
  }
  return Buffer.concat(parts);
}
