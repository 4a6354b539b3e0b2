/**
 * Configuration of the ingest container in AWS (set by the CDK task definition), validated once at start;
 * a bad value fails the start naming the variable. Extends the plane's own configuration.
 */
import { z } from 'zod';
import { parseEnvAll } from '../../../../core/config/env';
import { loadPlaneConfig, type PlaneConfig } from '../config';

const schema = z.object({
  STREAMPLANE_MEDIA_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  STREAMPLANE_TABLE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  STREAMPLANE_EVENT_BUS_NAME: z.string().min(1),
  STREAMPLANE_PUBLISH_AUTH_FUNCTION: z.string().min(1),
  STREAMPLANE_PLAYBACK_BASE_URL: z.url({ protocol: /^https?$/ }),
  STREAMPLANE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(60).default(15),
  /** Queue of pull jobs (pulled streams); this task takes up to STREAMPLANE_MAX_PULLS of them. */
  STREAMPLANE_PULL_JOB_QUEUE_URL: z.url().optional(),
  /** The pull-job queue's visibility timeout: a dead task's pulls are taken over after about this long. */
  STREAMPLANE_PULL_JOB_VISIBILITY_SECONDS: z.coerce.number().int().min(6).max(600).default(30),
  /** Queue of 24/7 channel jobs (streams with a fallback and no publisher); without it this task plays no channels. */
  STREAMPLANE_CHANNEL_JOB_QUEUE_URL: z.url().optional(),
  /** The channel-job queue's visibility timeout: a dead task's channels are taken over after about this long. */
  STREAMPLANE_CHANNEL_JOB_VISIBILITY_SECONDS: z.coerce.number().int().min(6).max(600).default(30),
  /** Channels this task plays (or stands by for) at once; each playout is one ffmpeg through the ladder. */
  STREAMPLANE_MAX_CHANNELS: z.coerce.number().int().min(0).max(100).default(2),
  /** Lifetime of an output lease without renewal: a dead task's playlists are free again after this long. */
  STREAMPLANE_OUTPUT_LEASE_SECONDS: z.coerce.number().int().min(3).max(120).default(15),
  /** KMS key of simulcast stream keys; without it this task runs no relays. */
  STREAMPLANE_SIMULCAST_KMS_KEY_ARN: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'must be a KMS key ARN').optional(),
  STREAMPLANE_MEDIA_PROBE_QUEUE_URL: z.url().optional(),
  STREAMPLANE_HEALTH_CHECK_HOST: z.union([z.ipv4(), z.literal('localhost')]).default('127.0.0.1'),
  STREAMPLANE_TASK_VCPU: z.coerce.number().min(0.25).max(16).optional(),
  STREAMPLANE_STREAM_BUDGET: z.coerce.number().int().min(1).max(1000).optional(),
  STREAMPLANE_DRAIN_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
  STREAMPLANE_REVISION_CHECK_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
  /** This task's ingest cell (planes with cells): it admits only streams assigned to it. */
  STREAMPLANE_INGEST_CELL: z.string().regex(/^cell-[1-9]\d?$/, 'must be a cell id such as cell-2').optional(),
  ECS_CONTAINER_METADATA_URI_V4: z.url().optional(),
  ECS_AGENT_URI: z.url().optional(),
  HOSTNAME: z.string().optional(),
});

export interface CloudIngestConfig extends PlaneConfig {
  mediaBucket: string;
  tableName: string;
  eventBusName: string;
  publishAuthFunction: string;
  playbackBaseUrl: string;
  heartbeatSeconds: number;
  pullJobQueueUrl?: string;
  pullJobVisibilitySeconds: number;
  channelJobQueueUrl?: string;
  channelJobVisibilitySeconds: number;
  maxChannels: number;
  outputLeaseSeconds: number;
  simulcastKeyArn?: string;
  /** Queue of S3 notifications of media library uploads this task probes (ffprobe is in the ingest image). */
  mediaProbeQueueUrl?: string;
  /** Where the health server listens: loopback, or the task's address so the NLB can probe it too. */
  healthCheckHost: string;
  /** vCPU of this task (Fargate CPU units / 1024): the admission budget is computed from it. */
  taskVcpu?: number;
  /** Live streams this task admits; overrides the budget computed from taskVcpu and the ladder. */
  streamBudget?: number;
  /** How long a drain waits for live publishers to leave before closing them (bounds a deploy per task). */
  drainSeconds: number;
  /** How often the task checks whether a deploy replaced its revision. */
  revisionCheckSeconds: number;
  /** The ingest cell of this task (planes with cells); publishes of other cells' streams are refused. */
  ingestCell?: string;
  ecsMetadataUri?: string;
  ecsAgentUri?: string;
  hostName?: string;
}

export function loadCloudIngestConfig(env: Record<string, string | undefined>): CloudIngestConfig {
  // SRT only where the stack opened the NLB's UDP listener (it sets the port).
  const plane = loadPlaneConfig({ STREAMPLANE_SRT_PORT: 'off', ...env });
  const c = parseEnvAll(schema, env);
  return {
    ...plane,
    mediaBucket: c.STREAMPLANE_MEDIA_BUCKET,
    tableName: c.STREAMPLANE_TABLE_NAME,
    eventBusName: c.STREAMPLANE_EVENT_BUS_NAME,
    publishAuthFunction: c.STREAMPLANE_PUBLISH_AUTH_FUNCTION,
    playbackBaseUrl: c.STREAMPLANE_PLAYBACK_BASE_URL.replace(/\/+$/, ''),
    heartbeatSeconds: c.STREAMPLANE_HEARTBEAT_SECONDS,
    healthCheckHost: c.STREAMPLANE_HEALTH_CHECK_HOST,
    ...(c.STREAMPLANE_TASK_VCPU !== undefined ? { taskVcpu: c.STREAMPLANE_TASK_VCPU } : {}),
    ...(c.STREAMPLANE_STREAM_BUDGET !== undefined ? { streamBudget: c.STREAMPLANE_STREAM_BUDGET } : {}),
    drainSeconds: c.STREAMPLANE_DRAIN_SECONDS,
    revisionCheckSeconds: c.STREAMPLANE_REVISION_CHECK_SECONDS,
    ...(c.STREAMPLANE_PULL_JOB_QUEUE_URL ? { pullJobQueueUrl: c.STREAMPLANE_PULL_JOB_QUEUE_URL } : {}),
    pullJobVisibilitySeconds: c.STREAMPLANE_PULL_JOB_VISIBILITY_SECONDS,
    ...(c.STREAMPLANE_CHANNEL_JOB_QUEUE_URL ? { channelJobQueueUrl: c.STREAMPLANE_CHANNEL_JOB_QUEUE_URL } : {}),
    channelJobVisibilitySeconds: c.STREAMPLANE_CHANNEL_JOB_VISIBILITY_SECONDS,
    maxChannels: c.STREAMPLANE_MAX_CHANNELS,
    outputLeaseSeconds: c.STREAMPLANE_OUTPUT_LEASE_SECONDS,
    ...(c.STREAMPLANE_SIMULCAST_KMS_KEY_ARN ? { simulcastKeyArn: c.STREAMPLANE_SIMULCAST_KMS_KEY_ARN } : {}),
    ...(c.STREAMPLANE_MEDIA_PROBE_QUEUE_URL ? { mediaProbeQueueUrl: c.STREAMPLANE_MEDIA_PROBE_QUEUE_URL } : {}),
    ...(c.STREAMPLANE_INGEST_CELL ? { ingestCell: c.STREAMPLANE_INGEST_CELL } : {}),
    ...(c.ECS_CONTAINER_METADATA_URI_V4 ? { ecsMetadataUri: c.ECS_CONTAINER_METADATA_URI_V4 } : {}),
    ...(c.ECS_AGENT_URI ? { ecsAgentUri: c.ECS_AGENT_URI } : {}),
    ...(c.HOSTNAME ? { hostName: c.HOSTNAME } : {}),
  };
}
