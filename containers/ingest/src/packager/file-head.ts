/**
 * Reads the first bytes of a file (fewer when the file is shorter), for checks that need a segment's or a
 * recording's head, not all of it. Never reads past `bytes`.
 */
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
