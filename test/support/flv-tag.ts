/** One FLV tag as node-media-server hands it to an FLV subscriber: 11-byte header, the payload, previous-tag-size. */
export function flvTag(type: number, timestampMs: number, data: Buffer): Buffer {
  const header = Buffer.alloc(11);
  header[0] = type;
  header.writeUIntBE(data.length, 1, 3);
  header.writeUIntBE(timestampMs & 0xffffff, 4, 3);
  header[7] = (timestampMs >>> 24) & 0xff;
  const size = Buffer.alloc(4);
  size.writeUInt32BE(11 + data.length);
  return Buffer.concat([header, data, size]);
}
