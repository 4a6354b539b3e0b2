/**
 * The publish-auth hook as a Lambda: the cloud ingest invokes it with `{ app, streamKey, remoteAddress }`
 * before accepting any media; locally the ingest calls the same factory in-process. It decides through
 * core's `authorizePublish` and returns the decision without the stream record. Input that is not even
 * the right shape is a malformed key (refused, with its `stream.rejected` event), never an exception.
 * Must never log or return the stream key.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { authorizePublish, type PublishDecision, type SessionDeps } from '../../core/streams/publish-session';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../core/ports/metrics';
import { logInvocationErrors } from '../shared/log-invocation-errors';
import { publishAuthRequest, remoteAddressOnly, type PublishAuthResult } from './schema';
import { coldStartHandler } from '../shared/cold-start';

export type PublishAuthDeps = SessionDeps & { logger?: Logger; metrics?: Metrics };
export type PublishAuthHandler = (event: unknown, context: Context) => Promise<PublishAuthResult>;

export function createPublishAuthHandler(deps: PublishAuthDeps) {
  return middy<unknown, PublishAuthResult>()
    .use(logInvocationErrors({ logger: deps.logger ?? silentLogger, operation: 'publish-auth' }))
    .handler(async (event) => {
      const request = publishAuthRequest.safeParse(event);
      const result = request.success ? toResult(await authorizePublish(deps, request.data)) : await refuseMalformed(deps, event);
      // The outcome is a small enum (allowed or the refusal reason), never a key or stream id.
      (deps.metrics ?? noopMetrics).count('publish_auth_decisions', 1, { outcome: result.allowed ? 'allowed' : result.reason });
      return result;
    });
}

function toResult(decision: PublishDecision): PublishAuthResult {
  if (!decision.allowed) return { allowed: false, reason: decision.reason, streamId: decision.streamId };
  return {
    allowed: true,
    streamId: decision.streamId,
    sessionId: decision.sessionId,
    reconnect: decision.reconnect,
    recording: decision.stream.recording,
    reconnectWindowSeconds: decision.stream.reconnectWindowSeconds,
  };
}

async function refuseMalformed(deps: SessionDeps, event: unknown): Promise<PublishAuthResult> {
  const address = remoteAddressOnly.safeParse(event ?? {});
  const remoteAddress = address.success ? address.data.remoteAddress : undefined;
  await deps.emit({ type: 'stream.rejected', streamId: null, data: { reason: 'malformed_key', ...(remoteAddress ? { remoteAddress } : {}) } });
  return { allowed: false, reason: 'malformed_key', streamId: null };
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: PublishAuthHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildPublishAuthHandler()));
