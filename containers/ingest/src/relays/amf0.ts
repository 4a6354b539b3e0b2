/**
 * AMF0, as far as RTMP commands need it (number, boolean, string, object, null, undefined, ECMA array,
 * strict array, long string, date): decode a command message into values and encode it back, so the
 * relay forwarder can rewrite the application and stream name in `connect`/`publish`. Must never throw
 * anything but AmfError on hostile bytes, or read past the buffer.
 */

export type AmfValue = number | boolean | string | null | undefined | AmfObject | AmfValue[] | { date: number };
export interface AmfObject {
  [key: string]: AmfValue;
}

export class AmfError extends Error {
  override readonly name = 'AmfError';
}

const MAX_DEPTH = 16;

export function decodeAmf0(buffer: Buffer): AmfValue[] {
  const values: AmfValue[] = [];
  let offset = 0;
  const need = (n: number) => {
    if (offset + n > buffer.length) throw new AmfError('truncated AMF0 value');
  };
  const readString = (long = false): string => {
    need(long ? 4 : 2);
    const length = long ? buffer.readUInt32BE(offset) : buffer.readUInt16BE(offset);
    offset += long ? 4 : 2;
    need(length);
    const s = buffer.toString('utf8', offset, offset + length);
    offset += length;
    return s;
  };
  const readProperties = (depth: number): AmfObject => {
    const object: AmfObject = {};
    for (;;) {
      const key = readString();
      need(1);
      if (key === '' && buffer[offset] === 0x09) {
        offset++;
        return object;
      }
      object[key] = readValue(depth + 1);
    }
  };
  const readValue = (depth: number): AmfValue => {
    if (depth > MAX_DEPTH) throw new AmfError('AMF0 nesting too deep');
    need(1);
    const marker = buffer[offset++]!;
    switch (marker) {
      case 0x00:
        need(8);
        offset += 8;
        return buffer.readDoubleBE(offset - 8);
      case 0x01:
        need(1);
        return buffer[offset++] !== 0;
      case 0x02:
        return readString();
      case 0x03:
        return readProperties(depth);
      case 0x05:
        return null;
      case 0x06:
        return undefined;
      case 0x08:
        need(4);
        offset += 4;
        return readProperties(depth);
      case 0x0a: {
        need(4);
        const count = buffer.readUInt32BE(offset);
        offset += 4;
        if (count > buffer.length) throw new AmfError('AMF0 array too long');
        const items: AmfValue[] = [];
        for (let i = 0; i < count; i++) items.push(readValue(depth + 1));
        return items;
      }
      case 0x0b:
        need(10);
        offset += 10;
        return { date: buffer.readDoubleBE(offset - 10) };
      case 0x0c:
        return readString(true);
      default:
        throw new AmfError(`unsupported AMF0 marker ${marker}`);
    }
  };
  while (offset < buffer.length) values.push(readValue(0));
  return values;
}

export function encodeAmf0(values: ReadonlyArray<AmfValue>): Buffer {
  const parts: Buffer[] = [];
  const writeString = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    const head = Buffer.alloc(2);
    head.writeUInt16BE(bytes.length);
    parts.push(head, bytes);
  };
  const writeValue = (value: AmfValue) => {
    if (typeof value === 'number') {
      const b = Buffer.alloc(9);
      b[0] = 0x00;
      b.writeDoubleBE(value, 1);
      parts.push(b);
    } else if (typeof value === 'boolean') parts.push(Buffer.from([0x01, value ? 1 : 0]));
    else if (typeof value === 'string') {
      const bytes = Buffer.from(value, 'utf8');
      if (bytes.length > 0xffff) {
        const head = Buffer.alloc(5);
        head[0] = 0x0c;
        head.writeUInt32BE(bytes.length, 1);
        parts.push(head, bytes);
      } else {
        parts.push(Buffer.from([0x02]));
        writeString(value);
      }
    } else if (value === null) parts.push(Buffer.from([0x05]));
    else if (value === undefined) parts.push(Buffer.from([0x06]));
    else if (Array.isArray(value)) {
      const head = Buffer.alloc(5);
      head[0] = 0x0a;
      head.writeUInt32BE(value.length, 1);
      parts.push(head);
      value.forEach(writeValue);
    } else if ('date' in value && typeof value.date === 'number' && Object.keys(value).length === 1) {
      const b = Buffer.alloc(11);
      b[0] = 0x0b;
      b.writeDoubleBE(value.date, 1);
      parts.push(b);
    } else {
      parts.push(Buffer.from([0x03]));
      for (const [key, v] of Object.entries(value)) {
        writeString(key);
        writeValue(v);
      }
      parts.push(Buffer.from([0x00, 0x00, 0x09]));
    }
  };
  values.forEach(writeValue);
  return Buffer.concat(parts);
}
