/**
 * Reads the first bytes of a file (fewer when the file is shorter), for checks that need a segment's or a
 * recording's head, not all of it. Never reads past `bytes`.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

export async function readFileHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * readFileHead without the thread pool, for a file just written on local scratch (page cache): the
 * packager's per-segment track check, which stands between a segment being listed and it being queued
 * for upload, three async calls that cost 100–250 ms each while many sessions start at once.
 */
export function readFileHeadSync(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const bytesRead = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    closeSync(fd);
  }
}
