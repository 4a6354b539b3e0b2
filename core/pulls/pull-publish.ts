/**
 * The publish decision for a pull: the pull runner's ffmpeg publishes into the ingest's own RTMP
 * listener (app `pull`, a one-time credential only the runner hands out, loopback only), and this opens
 * the session exactly as an accepted push would (same connect transition, same `stream.connected` and
 * `stream.recovered` events). Everything after the gate is the push path.
 *
 * Must never: open a session for a stream without a pull source.
 */
import type { PublishDecision, RejectReason } from '../streams/publish-decision';
import { openSession, type SessionDeps } from '../streams/publish-session';

/** The RTMP app the pull runner publishes to; refused for anything but a runner credential. */
export const PULL_APP = 'pull';

export async function authorizePull(deps: SessionDeps, streamId: string): Promise<PublishDecision> {
  const reject = async (reason: RejectReason, id: string | null): Promise<PublishDecision> => {
    await deps.emit({ type: 'stream.rejected', streamId: id, data: { reason } });
    return { allowed: false, reason, streamId: id };
  };
  const stream = await deps.store.get(streamId);
  if (!stream || !stream.source) return reject('unknown_key', null);
  if (stream.status === 'disabled') return reject('disabled', stream.id);
  return openSession(deps, streamId, {}, reject);
}
