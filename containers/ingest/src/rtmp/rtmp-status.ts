/**
 * Telling an RTMP publisher why it is being let go, in RTMP's own terms: an `onStatus` message on its
 * stream (level "error", a NetStream code and a description encoders log, e.g. ffmpeg's "Server error:
 * …"), then a graceful close so the message is flushed before the socket goes. Used for refusals that the
 * encoder should answer by reconnecting (a draining task, a full task), where the reconnect lands on
 * another task through the NLB.
 *
 * Must never: name the stream key in a description, or keep a refused socket open past the grace.
 */
import type { Socket } from 'node:net';
import type { NmsSession } from './nms';

/** The status code of a publish refused or ended by the ingest (the encoder should reconnect). */
export const PUBLISH_REJECTED_CODE = 'NetStream.Publish.Rejected';

/** How long a closing socket may take to flush the status before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

interface RtmpProtocol {
  streamId: number;
  sendStatusMessage(sid: number, level: string, code: string, description: string): void;
}

/** Sends `description` as an error status on the session's stream, then ends and (after a grace) destroys it. */
export function closeWithStatus(session: NmsSession, description: string, code = PUBLISH_REJECTED_CODE): void {
  const rtmp = (session as NmsSession & { rtmp?: Partial<RtmpProtocol> }).rtmp;
  try {
    if (rtmp && typeof rtmp.sendStatusMessage === 'function') rtmp.sendStatusMessage(rtmp.streamId ?? 1, 'error', code, description);
  } catch {
    // A socket that is already gone cannot be told anything; it is closed below either way.
  }
  const socket: Socket | undefined = session.socket;
  if (!socket) {
    session.close();
    return;
  }
  socket.end();
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
