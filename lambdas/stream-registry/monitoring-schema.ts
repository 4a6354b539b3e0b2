/**
 * Wire schemas of the monitoring routes (stream health, sessions, nodes). Responses are built by core
 * (`healthView`, `toSessionView`, `toNodeView`); these schemas document them in the OpenAPI document and
 * let tests hold the two together.
 */
import { z } from 'zod';
import { HEALTH_REASONS, HEALTH_STATUSES } from '../../core/health/stream-health';
import { NODE_STATUSES } from '../../core/nodes/nodes';
import { pageCursor, pageLimit } from '../shared/paging-schema';
import { MAX_PAGE_LIMIT } from './schema';

export const DEFAULT_SESSION_PAGE_LIMIT = 20;

const num = z.number().nullable();

export const streamHealth = z.object({
  status: z.enum(HEALTH_STATUSES),
  reasons: z.array(z.enum(HEALTH_REASONS)).describe('Why the status is not `excellent`, worst first.'),
  ingest: z.object({
    videoKbps: num.describe('Video bitrate received over the last second.'),
    audioKbps: num.describe('Audio bitrate received over the last second.'),
    videoKbps10s: num.optional().describe('Video bitrate over the last 10 s.'),
    audioKbps10s: num.optional().describe('Audio bitrate over the last 10 s.'),
    fps: num.describe('Frames received per second of media (last 2 s).'),
    keyframeIntervalSeconds: num.describe('Media time between the last two keyframes (or since the last, if longer).'),
    width: num,
    height: num,
    videoCodec: z.string().nullable(),
    audioCodec: z.string().nullable(),
    timestampGaps: z.number().int().optional().describe('Timestamp jumps over 1 s in the last 10 s.'),
    avDriftMs: num.optional().describe('Distance between the latest audio and video timestamps.'),
  }),
  transcoder: z.object({ speed: num.describe('Media produced per media received over the last 10 s; 1.0 keeps up.') }),
  updatedAt: z.string(),
});

export const sessionView = z.object({
  id: z.string(),
  streamId: z.string(),
  status: z.enum(['open', 'ended']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable().describe('As in `stream.ended`: publisher_gone, disabled, ended_by_api, deleted, task_lost, shutdown.'),
  durationSeconds: num,
  remoteAddress: z.string().nullable(),
  reconnects: z.number().int(),
  interruptions: z.number().int(),
  takeovers: z.number().int().describe('Times the session moved to another ingest node.'),
  transcoderRestarts: z.number().int(),
  stats: z.object({
    averageVideoKbps: num,
    peakVideoKbps: num,
    averageAudioKbps: num,
    width: num,
    height: num,
    fps: num,
    videoCodec: z.string().nullable(),
    audioCodec: z.string().nullable(),
    keyframeIntervalSeconds: num,
    starvedSeconds: z.number(),
    mediaSeconds: z.number(),
  }),
});

export const sessionList = z.object({ items: z.array(sessionView), next: z.string().optional() });

export const nodeView = z.object({
  id: z.string(),
  status: z.enum(NODE_STATUSES),
  reasons: z.array(z.string()),
  streams: z.number().int(),
  streamIds: z.array(z.string()),
  cpuPercent: z.number(),
  memoryBytes: z.number(),
  memoryTotalBytes: z.number(),
  networkInBytesPerSecond: z.number(),
  networkOutBytesPerSecond: z.number(),
  worstTranscoderSpeed: num,
  eventLoopLagMs: z.number(),
  startedAt: z.string(),
  lastSeenAt: z.string(),
});

export const nodeList = z.object({ items: z.array(nodeView) });

export const listSessionsQuery = z
  .object({
    limit: pageLimit(MAX_PAGE_LIMIT).optional().describe(`Page size, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_SESSION_PAGE_LIMIT}).`),
    cursor: pageCursor.optional(),
  })
  .strict();
