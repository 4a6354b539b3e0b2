/**
 * Reads a publisher's socket in bursts, at most once per interval, instead of whenever bytes arrive.
 *
 * An encoder writes RTMP in small pieces (a 1080p30 publish from ffmpeg arrived in ~110 reads a second,
 * median 330 bytes), and every read is an event-loop wake-up, a syscall and a pass through
 * node-media-server's parser, each costing more than the bytes it carries. Stopping the socket's reads for
 * an interval after each burst lets the kernel collect what arrives meanwhile, which is then read in one go.
 * In `latencyMode: normal` the few tens of milliseconds disappear inside a 2 s segment; low mode reads at once.
 *
 * Node offers no public way to stop a socket's reads for a while: `pause()` keeps reading until the stream's
 * buffer is full (16 KiB, fifty reads of this size). So this works on the socket's handle, the way Node's own
 * `pause()` does for sockets it owns, and keeps Node's view (`reading`) untouched: a socket Node has
 * stopped itself (back-pressure, `pause()`) is never restarted here. Without a handle of that shape it does
 * nothing, and the socket reads as before.
 *
 * Must never: hold bytes that have already arrived for longer than the interval, limit the publish's
 * bitrate (a large burst reads on without a pause), or keep a closed socket's timer alive.
 */
import type { Socket } from 'node:net';

interface StreamHandle {
  reading: boolean;
  readStart(): number;
  readStop(): number;
}

function handleOf(socket: Socket): StreamHandle | undefined {
  const handle = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  return handle && typeof handle.readStart === 'function' && typeof handle.readStop === 'function' && typeof handle.reading === 'boolean'
    ? (handle as StreamHandle)
    : undefined;
}

/**
 * A burst this large reads on without a pause: the kernel's receive buffer may be close to full (on loopback
 * ~100 KiB), and pausing then would cap the publish at a buffer per interval (~15 Mbps at 50 ms), not
 * just delay it. A 1080p30 6 Mbps publish brings ~40 KiB per 50 ms, well under it.
 */
const LARGE_BURST_BYTES = 64 * 1024;

/** Paces `socket`'s reads to one burst per `intervalMs` until it closes or the returned function is called. */
export function paceReads(socket: Socket, intervalMs: number): () => void {
  const handle = handleOf(socket);
  if (!handle || intervalMs <= 0 || socket.destroyed) return () => {};
  let burstBytes = 0;
  let stopping = false;
  let resumeTimer: NodeJS.Timeout | undefined;
  let done = false;

  const resume = () => {
    resumeTimer = undefined;
    if (!socket.destroyed && handle.reading) handle.readStart();
  };
  // Stopped from setImmediate, not inside the data event: libuv first reads what the kernel holds (it reads
  // on while its 64 KiB reads come back full), so a burst is handed on whole.
  const stopAfterThisBurst = () => {
    stopping = false;
    const large = burstBytes >= LARGE_BURST_BYTES;
    burstBytes = 0;
    if (large || done || socket.destroyed || !handle.reading) return;
    handle.readStop();
    resumeTimer = setTimeout(resume, intervalMs);
  };
  const onData = (chunk: Buffer) => {
    burstBytes += chunk.length;
    if (stopping || resumeTimer || done) return;
    stopping = true;
    setImmediate(stopAfterThisBurst);
  };
  const stop = () => {
    if (done) return;
    done = true;
    socket.off('data', onData);
    socket.off('close', stop);
    if (!resumeTimer) return;
    clearTimeout(resumeTimer);
    resume();
  };
  socket.on('data', onData);
  socket.once('close', stop);
  return stop;
}
