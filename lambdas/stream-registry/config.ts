/**
 * Configuration of the stream registry's two functions (the control API and its event consumer), read
 * from the environment once per cold start; the only module of these functions that reads `process.env`.
 */
import { z } from 'zod';
import { CellConfigError, parseCellHosts, type CellEndpoint } from '../../core/cells/ingest-cells';
import { apiTokenConfig, apiTokenEnv, eventBusName, optionalBus, parseEnv, playbackBaseUrl, tableName, type ApiTokenConfig, type Env } from '../shared/config';

const registrySchema = z.object({
  TABLE_NAME: tableName,
  EVENT_BUS_NAME: eventBusName.optional(),
  RTMP_SERVER_URL: z
    .string()
    .regex(/^rtmps?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s/?#])?$/, 'must be rtmp[s]://HOST[:PORT]/APP without a trailing slash'),
  PLAYBACK_BASE_URL: playbackBaseUrl,
  /** `srt://HOST:PORT` of the NLB's SRT listener (absent: no SRT URL is handed out). */
  SRT_SERVER_URL: z.string().regex(/^srt:\/\/[^\s/?#]+$/, 'must be srt://HOST:PORT').optional(),
  /** `http(s)://HOST[:PORT]/ingest` of the NLB's MPEG-TS push listener. */
  HTTP_INGEST_BASE_URL: z.string().regex(/^https?:\/\/[^\s/?#]+\/ingest$/, 'must be http[s]://HOST[:PORT]/ingest').optional(),
  DEFAULT_RECONNECT_WINDOW_SECONDS: z.coerce.number().int('must be whole seconds').min(0).max(1800).optional(),
  /** Where `POST /v1/streams/{id}/start` sends pull jobs; without it pulls answer 503. */
  PULL_JOB_QUEUE_URL: z.url({ protocol: /^https$/, error: 'must be an https SQS queue URL' }).optional(),
  /**
   * Ingest cells: a JSON list of each cell's host, cell 1 first (its NLB's DNS name, or the DNS name
   * pointed at it). Each cell's URLs are the ones above with its host. Absent: no cells (one ingest).
   */
  INGEST_CELLS: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseCellHosts(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof CellConfigError ? err.message : 'invalid' });
        return z.NEVER;
      }
    })
    .optional(),
  ...apiTokenEnv,
});

export interface StreamRegistryConfig {
  tableName: string;
  eventBusName?: string;
  rtmpServerUrl: string;
  srtServerUrl?: string;
  httpIngestBaseUrl?: string;
  playbackBaseUrl: string;
  apiToken: ApiTokenConfig;
  defaultReconnectWindowSeconds?: number;
  pullJobQueueUrl?: string;
  /** The ingest cells' endpoints, cell 1 first; absent without cells. */
  ingestCells?: CellEndpoint[];
}

export function loadStreamRegistryConfig(env: Env = process.env): StreamRegistryConfig {
  const parsed = parseEnv(registrySchema, env);
  const apiToken = apiTokenConfig(parsed);
  return {
    tableName: parsed.TABLE_NAME,
    rtmpServerUrl: parsed.RTMP_SERVER_URL,
    ...(parsed.SRT_SERVER_URL ? { srtServerUrl: parsed.SRT_SERVER_URL } : {}),
    ...(parsed.HTTP_INGEST_BASE_URL ? { httpIngestBaseUrl: parsed.HTTP_INGEST_BASE_URL } : {}),
    playbackBaseUrl: parsed.PLAYBACK_BASE_URL,
    apiToken,
    ...(parsed.DEFAULT_RECONNECT_WINDOW_SECONDS !== undefined ? { defaultReconnectWindowSeconds: parsed.DEFAULT_RECONNECT_WINDOW_SECONDS } : {}),
    ...optionalBus(parsed.EVENT_BUS_NAME),
    ...(parsed.PULL_JOB_QUEUE_URL ? { pullJobQueueUrl: parsed.PULL_JOB_QUEUE_URL } : {}),
    ...(parsed.INGEST_CELLS ? { ingestCells: parsed.INGEST_CELLS } : {}),
  };
}

export interface EventConsumerConfig {
  tableName: string;
}

export function loadEventConsumerConfig(env: Env = process.env): EventConsumerConfig {
  return { tableName: parseEnv(z.object({ TABLE_NAME: tableName }), env).TABLE_NAME };
}
