/**
 * The ll-playlist Lambda (cloud only): the CloudFront origin of low-latency HLS playlists and parts,
 * because S3 cannot hold a request. `live/<id>/<rendition>/ll.m3u8?_HLS_msn=&_HLS_part=` is held until
 * the stored playlist lists that part (core/hls/blocking-reload.ts — the wait the local origin runs too,
 * here over S3 reads), bounded by three target durations; a part not stored yet
 * (`ll-<run>-<n>.m4s`, the preload hint) is waited for about a part and answered once S3 has it.
 * CloudFront keys its cache on the directives and collapses identical requests, so each edge asks once
 * per part.
 *
 * It is also the origin of normal live media playlists (`live/<id>/<rendition>/index.m3u8`): with the
 * ingest's playlist bundle (`STREAMPLANE_LIVE_PLAYLISTS=bundle`, core/hls/playlist-bundle.ts) a stream's
 * renditions share one object per segment round, and this answers each rendition from it (falling back to
 * the rendition's own object, for streams packaged before the switch or channels), cached like S3's copy.
 *
 * Must never: serve a key outside `live/*\/*\/ll…` and `live/*\/*\/index.m3u8`, hold a request past the spec's bound, or be reachable
 * other than through CloudFront (its function URL takes IAM auth, signed by CloudFront's origin access control).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { awaitPlaylist, parseDeliveryDirectives, type BlockingReloadResult } from '../../core/hls/blocking-reload';
import { livePlaylistBundleKey, playlistFromBundle } from '../../core/hls/playlist-bundle';
import type { ObjectStore } from '../../core/ports/object-store';
import { coldStartHandler } from '../shared/cold-start';

export interface LlPlaylistDeps {
  objects: Pick<ObjectStore, 'get'>;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Between S3 reads of a blocked playlist. Default 100 ms. */
  pollMs?: number;
}

export type LlPlaylistHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const STREAM = 'st_[a-z2-7]{20}';
const RENDITION = '[A-Za-z0-9_-]{1,64}';
export const LL_PLAYLIST_KEY = new RegExp(`^live/${STREAM}/${RENDITION}/ll\\.m3u8$`);
/** Parts (`ll-<run>-<n>.m4s`) and segments (`ll-<seq>.m4s`): CloudFront sends both here. */
export const LL_PART_KEY = new RegExp(`^live/${STREAM}/${RENDITION}/ll-\\d{1,15}(-\\d{1,9})?\\.m4s$`);
/** A normal live media playlist: answered from the stream's playlist bundle. */
export const MEDIA_PLAYLIST_KEY = new RegExp(`^live/(${STREAM})/(${RENDITION})/index\\.m3u8$`);
/** As the packager stores playlists (PLAYLIST_PUT_OPTIONS): a CDN keeps one a second, a browser revalidates. */
const MEDIA_PLAYLIST_CACHE = 'public, max-age=0, s-maxage=1';
/** A hinted part is written within a part target (~250 ms); wait a little more for it. */
const PART_WAIT_MS = 1_500;

export function createLlPlaylistHandler(deps: LlPlaylistDeps): LlPlaylistHandler {
  const pollMs = deps.pollMs ?? 100;
  return async (event) => {
    const key = event.rawPath.replace(/^\/+/, '');
    if (LL_PART_KEY.test(key)) return part(deps, key, pollMs);
    const media = MEDIA_PLAYLIST_KEY.exec(key);
    if (media) return mediaPlaylist(deps, key, media[1] as string, media[2] as string);
    if (!LL_PLAYLIST_KEY.test(key)) return problem(404, 'not_found', 'No such playlist.');
    const parsed = parseDeliveryDirectives(new URLSearchParams(event.rawQueryString ?? ''));
    if (!parsed.ok) return problem(400, parsed.code, parsed.message);
    const read = async () => {
      const body = await deps.objects.get(key);
      return body === undefined ? undefined : Buffer.from(body).toString('utf8');
    };
    if (!parsed.directives) {
      const text = await read();
      return text === undefined ? problem(404, 'not_found', 'No such playlist.') : playlist(text, 'public, max-age=1');
    }
    const answer: BlockingReloadResult = await awaitPlaylist({ read, sleep: deps.sleep, now: deps.now, pollMs }, parsed.directives);
    if (answer.status === 200) return playlist(answer.body, 'public, max-age=2');
    const response = problem(answer.status, answer.code, answer.message);
    if (answer.status === 503) response.headers = { ...response.headers, 'retry-after': String(answer.retryAfterSeconds) };
    return response;
  };
}

async function mediaPlaylist(deps: LlPlaylistDeps, key: string, streamId: string, rendition: string): Promise<APIGatewayProxyStructuredResultV2> {
  const bundle = await deps.objects.get(livePlaylistBundleKey(streamId));
  const bundled = bundle === undefined ? undefined : playlistFromBundle(Buffer.from(bundle).toString('utf8'), rendition);
  if (bundled !== undefined) return playlist(bundled, MEDIA_PLAYLIST_CACHE);
  const own = await deps.objects.get(key);
  return own === undefined ? problem(404, 'not_found', 'No such playlist.') : playlist(Buffer.from(own).toString('utf8'), MEDIA_PLAYLIST_CACHE);
}

async function part(deps: LlPlaylistDeps, key: string, pollMs: number): Promise<APIGatewayProxyStructuredResultV2> {
  const until = deps.now() + PART_WAIT_MS;
  for (;;) {
    const body = await deps.objects.get(key);
    if (body) {
      return {
        statusCode: 200,
        headers: { 'content-type': 'video/mp4', 'cache-control': 'public, max-age=31536000, immutable' },
        body: Buffer.from(body).toString('base64'),
        isBase64Encoded: true,
      };
    }
    if (deps.now() >= until) return problem(404, 'not_found', 'No such part.');
    await deps.sleep(Math.min(pollMs, 50));
  }
}

function playlist(text: string, cacheControl: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 200, headers: { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': cacheControl }, body: text };
}

function problem(status: number, code: string, detail: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' }, body: JSON.stringify({ type: `urn:streamplane:problem:${code}`, title: code, status, code, detail }) };
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: LlPlaylistHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildLlPlaylistHandler()));
