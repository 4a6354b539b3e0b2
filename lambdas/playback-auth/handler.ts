/**
 * The playback-auth Lambda (cloud only): the CloudFront origin of signed master playlists. The edge
 * function (lib/edge/playback-edge.js) sends it `live/<id>/master.m3u8`, `live/<id>/dvr.m3u8` and
 * `recordings/<id>/master.m3u8` of signed ids, because checking an ES256 signature needs more than a
 * CloudFront Function offers. It verifies the viewer token (core/playback), reads the master from S3 and
 * answers it with every URI carrying a derived token; CloudFront caches nothing of it (`private, no-store`).
 *
 * Must never: answer media without a token that checked out, log the token, or be reachable other than
 * through CloudFront (its function URL takes IAM auth, which only CloudFront's origin access control signs).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ObjectStore } from '../../core/ports/object-store';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { rewritePlaylist, type AccessDecision } from '../../core/playback/playback-access';
import { REFUSAL_MESSAGES, type TokenRefusal } from '../../core/playback/viewer-token';
import { coldStartHandler } from '../shared/cold-start';

export interface PlaybackAuthDeps {
  decide(key: string, token: string | undefined, origin: string | undefined): Promise<AccessDecision>;
  secret(): Promise<Buffer>;
  objects: Pick<ObjectStore, 'get'>;
  logger?: Logger;
}

export type PlaybackAuthHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** The only keys served here: master playlists (and the DVR master) of a stream or recording. */
const MASTER_KEY = /^(live\/st_[a-z2-7]{20}\/(master|dvr)|recordings\/rec_[a-z2-7]{20}\/master)\.m3u8$/;

export function createPlaybackAuthHandler(deps: PlaybackAuthDeps): PlaybackAuthHandler {
  const logger = deps.logger ?? silentLogger;
  return async (event) => {
    const key = event.rawPath.replace(/^\/+/, '');
    if (!MASTER_KEY.test(key)) return problem(404, 'not_found', 'No such playlist.');
    const token = event.queryStringParameters?.token;
    const origin = event.headers?.origin;
    const decision = await deps.decide(key, token, origin);
    if (!decision.allow) {
      logger.info('playback-auth: refused', { key, reason: decision.reason });
      return forbidden(decision.reason);
    }
    const body = await deps.objects.get(key);
    if (!body) return problem(404, 'not_found', 'No such playlist.');
    const text = Buffer.from(body).toString('utf8');
    const served = decision.signed ? rewritePlaylist(text, key, decision.grant, await deps.secret()) : text;
    return {
      statusCode: 200,
      headers: {
        'content-type': 'application/vnd.apple.mpegurl',
        'cache-control': decision.signed ? 'private, no-store' : 'public, max-age=1',
        'access-control-allow-origin': decision.signed && decision.grant.allowedOrigin ? decision.grant.allowedOrigin : '*',
        vary: 'Origin',
      },
      body: served,
    };
  };
}

function forbidden(reason: TokenRefusal): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: 403,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify({ type: 'urn:streamplane:problem:forbidden', title: 'Forbidden', status: 403, code: 'forbidden', reason, detail: REFUSAL_MESSAGES[reason] }),
  };
}

function problem(status: number, code: string, detail: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' }, body: JSON.stringify({ type: `urn:streamplane:problem:${code}`, title: code, status, code, detail }) };
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: PlaybackAuthHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildPlaybackAuthHandler()));
