/**
 * Which process holds the other end of a loopback TCP connection (Linux, from /proc): the relay
 * forwarder accepts only its own ffmpeg child, so another local user who sees the loopback port cannot
 * take the relay's place and reach the target under its key. Where /proc is not readable (not Linux)
 * the answer is `unknown` and the caller decides.
 *
 * Must never: follow anything but /proc entries of the given pid.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

export type PeerCheck = 'ours' | 'foreign' | 'unknown';

/** Whether the connection from `peerPort` to `localPort` on loopback belongs to process `pid`. */
export async function loopbackPeerIs(pid: number, peerPort: number, localPort: number): Promise<PeerCheck> {
  let inode: string | undefined;
  try {
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const text = await readFile(table, 'utf8').catch(() => '');
      inode = findInode(text, peerPort, localPort);
      if (inode) break;
    }
  } catch {
    return 'unknown';
  }
  if (!inode) return 'unknown';
  try {
    for (const fd of await readdir(`/proc/${pid}/fd`)) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (link === `socket:[${inode}]`) return 'ours';
    }
  } catch {
    return 'unknown';
  }
  return 'foreign';
}

/** The inode of the socket whose local port is `fromPort` and remote port `toPort`. */
export function findInode(table: string, fromPort: number, toPort: number): string | undefined {
  const from = fromPort.toString(16).toUpperCase().padStart(4, '0');
  const to = toPort.toString(16).toUpperCase().padStart(4, '0');
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const local = fields[1]!;
    const remote = fields[2]!;
    if (local.endsWith(`:${from}`) && remote.endsWith(`:${to}`)) return fields[9];
  }
  return undefined;
}
