/**
 * The ingest's publish gate: rate limiting of addresses that keep presenting bad keys, in front of the
 * publish-auth hook (a Lambda in the cloud, the same handler in-process locally). An address over the
 * limit is refused without asking the registry at all.
 */
import type { EmitEvent } from '../../../../core/events/emit-event';
import type { PublishDecision, RejectReason } from '../../../../core/streams/publish-decision';
import type { FailureRateLimiter } from '../../../../core/streams/rate-limiter';
import type { PublishGate, PublishRequest } from '../rtmp/rtmp-ingest';

/** Reasons that count as guessing: a wrong key, not a stream that is merely busy or disabled. */
const GUESSING_REASONS: ReadonlySet<RejectReason> = new Set(['malformed_key', 'unknown_key', 'wrong_app']);

export function rateLimitedGate(deps: { authorize: PublishGate; limiter: FailureRateLimiter; emit: EmitEvent }): PublishGate {
  return async (request: PublishRequest): Promise<PublishDecision> => {
    if (deps.limiter.isBlocked(request.remoteAddress)) {
      await deps.emit({ type: 'stream.rejected', streamId: null, data: { reason: 'rate_limited', remoteAddress: request.remoteAddress } });
      return { allowed: false, reason: 'rate_limited', streamId: null };
    }
    const decision = await deps.authorize(request);
    if (decision.allowed) deps.limiter.recordSuccess(request.remoteAddress);
    else if (GUESSING_REASONS.has(decision.reason)) deps.limiter.recordFailure(request.remoteAddress);
    return decision;
  };
}
