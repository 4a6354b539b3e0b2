/**
 * Configuration of the ingest process and the local plane, read from the environment once at start and
 * validated; a bad value fails the start with a message naming the variable. Nothing else reads
 * `process.env`.
 */
import { z } from 'zod';
import { parseRetrySchedule } from '../../../core/webhooks/webhooks';
import { parseEnvAll } from '../../../core/config/env';
import { parseCidrList, type Cidr } from '../../../core/webhooks/url-policy';
import { DEFAULT_MEDIA_MAX_BYTES } from '../../../core/media-library/media-item';

export { ConfigError } from '../../../core/config/env';

const port = z.coerce.number().int().min(0).max(65535);
const positive = z.coerce.number().positive();

const schema = z.object({
  STREAMPLANE_HTTP_PORT: port.default(8080),
  STREAMPLANE_RTMP_PORT: port.default(1935),
  /** UDP port of the SRT listener (all SRT callers, routed by streamid); `off` runs no SRT ingest. */
  STREAMPLANE_SRT_PORT: z.union([z.literal('off'), port]).default(9000),
  /** RTMPS (RTMP over TLS) listener; needs STREAMPLANE_TLS_CERT and STREAMPLANE_TLS_KEY. */
  STREAMPLANE_RTMPS_PORT: port.optional(),
  /** PEM certificate (chain) and private key of the RTMPS listener. */
  STREAMPLANE_TLS_CERT: z.string().min(1).optional(),
  STREAMPLANE_TLS_KEY: z.string().min(1).optional(),
  STREAMPLANE_DATA_DIR: z.string().min(1).default('./.streamplane'),
  STREAMPLANE_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Interface the listeners bind to. */
  STREAMPLANE_BIND: z.string().min(1).default('0.0.0.0'),
  /** Host name put into the URLs the API returns (what encoders and players can reach). */
  STREAMPLANE_PUBLIC_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/, 'must be a host name or address')
    .default('localhost'),
  /** Overrides the playback base URL (e.g. a CDN in front of the local origin). */
  STREAMPLANE_PLAYBACK_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  STREAMPLANE_SEGMENT_SECONDS: positive.max(10).default(2),
  STREAMPLANE_LADDER: z
    .string()
    .regex(/^\d{3,4}(,\d{3,4})*$/, 'must be comma-separated rung heights, e.g. 1080,720,480,360')
    .default('1080,720,480,360'),
  STREAMPLANE_LIVE_WINDOW_SEGMENTS: z.coerce.number().int().min(3).max(100).default(6),
  /**
   * `objects`: each rendition's live playlist is its own object (what the local origin serves). `bundle`:
   * one `live/<id>/playlists.json` per stream per segment, served per rendition by the cloud's playlist
   * origin (lambdas/ll-playlist): fewer S3 PUTs (docs/deploy-aws.md, cost per streamed hour).
   */
  STREAMPLANE_LIVE_PLAYLISTS: z.enum(['objects', 'bundle']).default('objects'),
  /**
   * `rendition`: one object per rendition per segment. `round`: one object per segment round holding every
   * rendition's TS segment, named by EXT-X-BYTERANGE (core/media/layout.ts): fewer S3 PUTs
   * (docs/deploy-aws.md). Low-latency sessions keep their own layout either way.
   */
  STREAMPLANE_SEGMENT_OBJECTS: z.enum(['rendition', 'round']).default('rendition'),
  STREAMPLANE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  STREAMPLANE_LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  STREAMPLANE_FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  STREAMPLANE_FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  /** Seconds between live thumbnails (`live/<id>/thumbnail.jpg`); 0 turns them off. */
  STREAMPLANE_THUMBNAIL_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  /** Days recordings are kept before the sweeper deletes them; 0 keeps them until deleted. */
  STREAMPLANE_RECORDING_RETENTION_DAYS: z.coerce.number().int().min(0).max(36500).default(0),
  /** Pulls this ingest runs at once; further starts wait `queued` until one ends. */
  STREAMPLANE_MAX_PULLS: z.coerce.number().int().min(1).max(100).default(4),
  /** Private ranges pull sources may reach (e.g. `192.168.0.0/16` for cameras on the LAN); loopback is always allowed locally. */
  STREAMPLANE_PULL_ALLOW_CIDRS: z
    .string()
    .max(4000)
    .transform((text, ctx) => {
      try {
        return parseCidrList(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    })
    .optional(),
  /** Simulcast targets a stream may have. */
  STREAMPLANE_MAX_SIMULCAST_TARGETS: z.coerce.number().int().min(1).max(100).default(10),
  /** How long a simulcast target may take to accept the relay's publish before the attempt counts as failed. */
  STREAMPLANE_RELAY_PUBLISH_TIMEOUT_SECONDS: z.coerce.number().min(1).max(120).default(10),
  /** Largest media library upload in bytes (2 GiB by default); larger ones are refused with 413. */
  STREAMPLANE_MEDIA_MAX_BYTES: z.coerce.number().int('must be a whole number of bytes').min(1).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_MEDIA_MAX_BYTES),
  /** Webhook retry delays (`0,5s,5m,30m,2h,5h,10h,10h` by default); the soak compresses them. */
  STREAMPLANE_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseRetrySchedule(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    })
    .optional(),
});

export interface PlaneConfig {
  httpPort: number;
  rtmpPort: number;
  /** Absent: no SRT ingest. */
  srtPort?: number;
  /** Absent: no RTMPS ingest. */
  rtmps?: { port: number; certFile: string; keyFile: string };
  dataDir: string;
  apiToken?: string;
  bind: string;
  publicHost: string;
  playbackBaseUrl?: string;
  segmentSeconds: number;
  /** How live media playlists are stored (STREAMPLANE_LIVE_PLAYLISTS); absent: `objects`. */
  livePlaylists?: 'objects' | 'bundle';
  /** How live TS segments are stored (STREAMPLANE_SEGMENT_OBJECTS); absent: `rendition`. */
  segmentObjects?: 'rendition' | 'round';
  ladder: number[];
  liveWindowSegments: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logFormat: 'text' | 'json';
  ffmpegPath: string;
  ffprobePath: string;
  recordingRetentionDays: number;
  thumbnailSeconds: number;
  webhookRetryScheduleMs?: number[];
  maxPulls: number;
  pullAllowCidrs: Cidr[];
  maxSimulcastTargets: number;
  relayPublishTimeoutSeconds: number;
  /** Largest media library upload, in bytes. */
  mediaMaxBytes: number;
}

function requireTlsFiles(c: { STREAMPLANE_RTMPS_PORT?: number | undefined; STREAMPLANE_TLS_CERT?: string | undefined; STREAMPLANE_TLS_KEY?: string | undefined }, ctx: z.RefinementCtx): void {
  if (c.STREAMPLANE_RTMPS_PORT === undefined) return;
  for (const key of ['STREAMPLANE_TLS_CERT', 'STREAMPLANE_TLS_KEY'] as const) {
    if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required with STREAMPLANE_RTMPS_PORT (a PEM file)' });
  }
}

export function loadPlaneConfig(env: Record<string, string | undefined>): PlaneConfig {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('STREAMPLANE_')));
  const c = parseEnvAll(schema.superRefine(requireTlsFiles), relevant);
  return {
    httpPort: c.STREAMPLANE_HTTP_PORT,
    rtmpPort: c.STREAMPLANE_RTMP_PORT,
    ...(c.STREAMPLANE_SRT_PORT !== 'off' ? { srtPort: c.STREAMPLANE_SRT_PORT } : {}),
    ...(c.STREAMPLANE_RTMPS_PORT !== undefined && c.STREAMPLANE_TLS_CERT && c.STREAMPLANE_TLS_KEY
      ? { rtmps: { port: c.STREAMPLANE_RTMPS_PORT, certFile: c.STREAMPLANE_TLS_CERT, keyFile: c.STREAMPLANE_TLS_KEY } }
      : {}),
    dataDir: c.STREAMPLANE_DATA_DIR,
    ...(c.STREAMPLANE_API_TOKEN ? { apiToken: c.STREAMPLANE_API_TOKEN } : {}),
    bind: c.STREAMPLANE_BIND,
    publicHost: c.STREAMPLANE_PUBLIC_HOST,
    ...(c.STREAMPLANE_PLAYBACK_BASE_URL ? { playbackBaseUrl: c.STREAMPLANE_PLAYBACK_BASE_URL.replace(/\/+$/, '') } : {}),
    segmentSeconds: c.STREAMPLANE_SEGMENT_SECONDS,
    livePlaylists: c.STREAMPLANE_LIVE_PLAYLISTS,
    segmentObjects: c.STREAMPLANE_SEGMENT_OBJECTS,
    ladder: c.STREAMPLANE_LADDER.split(',').map(Number),
    liveWindowSegments: c.STREAMPLANE_LIVE_WINDOW_SEGMENTS,
    logLevel: c.STREAMPLANE_LOG_LEVEL,
    logFormat: c.STREAMPLANE_LOG_FORMAT,
    ffmpegPath: c.STREAMPLANE_FFMPEG_PATH,
    ffprobePath: c.STREAMPLANE_FFPROBE_PATH,
    recordingRetentionDays: c.STREAMPLANE_RECORDING_RETENTION_DAYS,
    thumbnailSeconds: c.STREAMPLANE_THUMBNAIL_SECONDS,
    maxSimulcastTargets: c.STREAMPLANE_MAX_SIMULCAST_TARGETS,
    relayPublishTimeoutSeconds: c.STREAMPLANE_RELAY_PUBLISH_TIMEOUT_SECONDS,
    mediaMaxBytes: c.STREAMPLANE_MEDIA_MAX_BYTES,
    ...(c.STREAMPLANE_WEBHOOK_RETRY_SCHEDULE ? { webhookRetryScheduleMs: c.STREAMPLANE_WEBHOOK_RETRY_SCHEDULE } : {}),
    maxPulls: c.STREAMPLANE_MAX_PULLS,
    pullAllowCidrs: c.STREAMPLANE_PULL_ALLOW_CIDRS ?? [],
  };
}
