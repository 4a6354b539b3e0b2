/**
 * The ingest's publish gate: rate limiting of addresses that keep presenting keys that do not exist, in
 * front of the publish-auth hook (a Lambda in the cloud, the same handler in-process locally). An attempt
 * the limiter refuses never reaches the registry and costs one metric increment; the block itself is
 * reported once (`stream.rejected`, reason `rate_limited`, with the number of attempts), so a flood of
 * refused publishes never fans out into events, log lines and webhooks one-to-one.
 */
import type { EmitEvent } from '../../../../core/events/emit-event';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { PublishDecision, RejectReason } from '../../../../core/streams/publish-decision';
import type { FailureRateLimiter } from '../../../../core/streams/rate-limiter';
import { hashStreamKey, isWellFormedStreamKey } from '../../../../core/streams/stream-key';
import type { PublishGate, PublishRequest } from '../rtmp/rtmp-ingest';

/** Reasons that count as guessing: a key that does not exist, not a stream that is merely busy or disabled. */
const GUESSING_REASONS: ReadonlySet<RejectReason> = new Set(['malformed_key', 'unknown_key', 'wrong_app']);

export interface RateLimitedGateDeps {
  authorize: PublishGate;
  limiter: FailureRateLimiter;
  emit: EmitEvent;
  metrics: Metrics;
  logger: Logger;
}

export function rateLimitedGate(deps: RateLimitedGateDeps): PublishGate {
  return async (request: PublishRequest): Promise<PublishDecision> => {
    const keyHash = isWellFormedStreamKey(request.streamKey) ? hashStreamKey(request.streamKey) : undefined;
    const admission = deps.limiter.admit(request.remoteAddress, keyHash);
    if (admission.action === 'refuse') {
      deps.metrics.count('publish_rate_limited', 1);
      if (admission.report) {
        deps.logger.warn('rtmp: address rate-limited after repeated unknown keys', { remoteAddress: request.remoteAddress, attempts: admission.report.attempts });
        await deps.emit({ type: 'stream.rejected', streamId: null, data: { reason: 'rate_limited', remoteAddress: request.remoteAddress, attempts: admission.report.attempts } });
      }
      return { allowed: false, reason: 'rate_limited', streamId: null };
    }
    const decision = await deps.authorize(request);
    if (decision.allowed && keyHash !== undefined) deps.limiter.recordAccepted(keyHash);
    else if (!decision.allowed && GUESSING_REASONS.has(decision.reason)) deps.limiter.recordFailure(request.remoteAddress);
    return decision;
  };
}
