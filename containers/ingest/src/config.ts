/**
 * Configuration of the ingest process and the local plane, read from the environment once at start and
 * validated; a bad value fails the start with a message naming the variable. Nothing else reads
 * `process.env`.
 */
import { z } from 'zod';
import { parseRetrySchedule } from '../../../core/webhooks/webhooks';
import { parseEnvAll } from '../../../core/config/env';
import { DEFAULT_MEDIA_MAX_BYTES } from '../../../core/media-library/media-item';

export { ConfigError } from '../../../core/config/env';

const port = z.coerce.number().int().min(0).max(65535);
const positive = z.coerce.number().positive();

const schema = z.object({
  STREAMPLANE_HTTP_PORT: port.default(8080),
  STREAMPLANE_RTMP_PORT: port.default(1935),
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
  STREAMPLANE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  STREAMPLANE_LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  STREAMPLANE_FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  STREAMPLANE_FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  /** Seconds between live thumbnails (`live/<id>/thumbnail.jpg`); 0 turns them off. */
  STREAMPLANE_THUMBNAIL_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  /** Days recordings are kept before the sweeper deletes them; 0 keeps them until deleted. */
  STREAMPLANE_RECORDING_RETENTION_DAYS: z.coerce.number().int().min(0).max(36500).default(0),
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
  dataDir: string;
  apiToken?: string;
  bind: string;
  publicHost: string;
  playbackBaseUrl?: string;
  segmentSeconds: number;
  ladder: number[];
  liveWindowSegments: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logFormat: 'text' | 'json';
  ffmpegPath: string;
  ffprobePath: string;
  recordingRetentionDays: number;
  thumbnailSeconds: number;
  webhookRetryScheduleMs?: number[];
  /** Largest media library upload, in bytes. */
  mediaMaxBytes: number;
}

export function loadPlaneConfig(env: Record<string, string | undefined>): PlaneConfig {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('STREAMPLANE_')));
  const c = parseEnvAll(schema, relevant);
  return {
    httpPort: c.STREAMPLANE_HTTP_PORT,
    rtmpPort: c.STREAMPLANE_RTMP_PORT,
    dataDir: c.STREAMPLANE_DATA_DIR,
    ...(c.STREAMPLANE_API_TOKEN ? { apiToken: c.STREAMPLANE_API_TOKEN } : {}),
    bind: c.STREAMPLANE_BIND,
    publicHost: c.STREAMPLANE_PUBLIC_HOST,
    ...(c.STREAMPLANE_PLAYBACK_BASE_URL ? { playbackBaseUrl: c.STREAMPLANE_PLAYBACK_BASE_URL.replace(/\/+$/, '') } : {}),
    segmentSeconds: c.STREAMPLANE_SEGMENT_SECONDS,
    ladder: c.STREAMPLANE_LADDER.split(',').map(Number),
    liveWindowSegments: c.STREAMPLANE_LIVE_WINDOW_SEGMENTS,
    logLevel: c.STREAMPLANE_LOG_LEVEL,
    logFormat: c.STREAMPLANE_LOG_FORMAT,
    ffmpegPath: c.STREAMPLANE_FFMPEG_PATH,
    ffprobePath: c.STREAMPLANE_FFPROBE_PATH,
    recordingRetentionDays: c.STREAMPLANE_RECORDING_RETENTION_DAYS,
    thumbnailSeconds: c.STREAMPLANE_THUMBNAIL_SECONDS,
    mediaMaxBytes: c.STREAMPLANE_MEDIA_MAX_BYTES,
    ...(c.STREAMPLANE_WEBHOOK_RETRY_SCHEDULE ? { webhookRetryScheduleMs: c.STREAMPLANE_WEBHOOK_RETRY_SCHEDULE } : {}),
  };
}
