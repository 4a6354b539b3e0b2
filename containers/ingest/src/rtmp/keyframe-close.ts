/**
 * Closes a live publisher at its next video keyframe: the GOP before it is complete (so the transcoder's
 * last segment of this task ends on a clean cut and the reconnect starts a new one), and the encoder,
 * reconnecting at once, continues the same session on another task with a discontinuity at most. A source
 * without video (or a keyframe that never comes) is closed after a timeout instead.
 *
 * Must never: act on the replayed GOP a fresh subscriber receives (that keyframe is in the past), or leave
 * its tap attached once the publisher is closed.
 */
import { FlvTap, inspectFlvTags } from './flv-tap';
import type { NmsBroadcast } from './nms';

export interface KeyframeCloseOptions {
  streamPath: string;
  broadcast: NmsBroadcast;
  /** Closes the publisher (sends the RTMP status and ends the socket). */
  close(reason: 'keyframe' | 'timeout'): void;
  /** @default 10_000 */
  timeoutMs?: number;
}

/** Arms the close; returns a function that disarms it (the publisher left by itself). */
export function closeAtNextKeyframe(options: KeyframeCloseOptions): () => void {
  let replaying = true;
  let done = false;
  const finish = (reason: 'keyframe' | 'timeout') => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    tap.close();
    options.close(reason);
  };
  const tap = new FlvTap(options.streamPath, options.broadcast, (chunk) => {
    if (replaying || done) return;
    if (inspectFlvTags(chunk).some((tag) => tag.type === 'video' && tag.keyframe)) finish('keyframe');
  });
  const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 10_000);
  timer.unref();
  // node-media-server replays the cached GOP synchronously inside attach: everything until it returns is old.
  tap.attach();
  replaying = false;
  return () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    tap.close();
  };
}
