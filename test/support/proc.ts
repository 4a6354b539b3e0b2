/**
 * What other users of the machine can see of the plane's processes, read from /proc the way `ps` does:
 * the process tree under a pid, each process's argument list, and which processes hold a TCP connection
 * to a port (to find a pull or relay process by what it is connected to, now that its argv names no URL).
 *
 * Must never: signal or change a process; read anything but /proc.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

async function childrenOf(): Promise<Map<number, number[]>> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may hold spaces and parentheses: split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return children;
}

/** Every live descendant of `root` (not `root` itself). */
export async function descendantsOf(root: number = process.pid): Promise<number[]> {
  const children = await childrenOf();
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The argument list of `pid` as /proc/<pid>/cmdline shows it to anyone ('' once it is gone). */
export async function cmdlineOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim();
}

/**
 * Argument lists (and environments, where readable) of every descendant of this process that contain
 * `secret`, leaving out `exclude` (the test's own peers, which were given the secret on purpose).
 */
export async function processesShowing(secret: string, exclude: ReadonlyArray<number | undefined> = [], root: number = process.pid): Promise<Array<{ pid: number; cmdline: string }>> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const pid of await descendantsOf(root)) {
    if (exclude.includes(pid)) continue;
    const cmdline = await cmdlineOf(pid);
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (cmdline.includes(secret) || environ.includes(secret)) found.push({ pid, cmdline: cmdline.split(secret).join('<SECRET>') });
  }
  return found;
}

/** Descendants of this process named `comm` holding a TCP connection whose remote port is `port`. */
export async function processesConnectedTo(port: number, comm = 'ffmpeg', root: number = process.pid): Promise<number[]> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length >= 10 && fields[2]!.endsWith(hex) && fields[3] === '01') inodes.add(fields[9]!);
    }
  }
  const pids: number[] = [];
  for (const pid of await descendantsOf(root)) {
    if ((await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() !== comm) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) {
        pids.push(pid);
        break;
      }
    }
  }
  return pids;
}
