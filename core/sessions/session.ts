/**
 * Publish sessions as users look them up after the fact (like IVS's GetStreamSession): start and end, the
 * end reason, the remote address, reconnects, takeovers, transcoder restarts, and summary statistics.
 * Two writers, two items, so neither overwrites the other: the record is a projection of the session's
 * events (`projectSessionEvent`, idempotent on the event id), the statistics come from the ingest that
 * carries the session.
 */
import { ConflictError, NotFoundError } from '../errors';
import type { StreamplaneEvent } from '../events/catalog';
import type { SessionStore } from '../ports/monitoring-stores';
import type { Page } from '../ports/stream-store';

export interface SessionRecord {
  id: string;
  streamId: string;
  startedAt: string;
  endedAt?: string;
  endReason?: string;
  remoteAddress?: string;
  reconnects: number;
  interruptions: number;
  transcoderRestarts: number;
  /** Events already applied (bounded), so a redelivered event counts once. */
  appliedEventIds: string[];
  version: number;
}

export interface SessionStats {
  sessionId: string;
  streamId: string;
  /** The ingest node that last carried the session. */
  nodeId: string;
  /** Times the session moved to another ingest node (failover, or a reconnect landing elsewhere). */
  takeovers: number;
  mediaSeconds: number;
  videoBytes: number;
  audioBytes: number;
  peakVideoKbps: number;
  width: number | null;
  height: number | null;
  fps: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  keyframeIntervalSeconds: number | null;
  starvedSeconds: number;
  updatedAt: string;
}

export interface SessionView {
  id: string;
  streamId: string;
  status: 'open' | 'ended';
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  durationSeconds: number | null;
  remoteAddress: string | null;
  reconnects: number;
  interruptions: number;
  takeovers: number;
  transcoderRestarts: number;
  stats: {
    averageVideoKbps: number | null;
    peakVideoKbps: number | null;
    averageAudioKbps: number | null;
    width: number | null;
    height: number | null;
    fps: number | null;
    videoCodec: string | null;
    audioCodec: string | null;
    keyframeIntervalSeconds: number | null;
    starvedSeconds: number;
    mediaSeconds: number;
  };
}

const APPLIED_EVENTS_KEPT = 200;
const SESSION_EVENTS = new Set(['stream.connected', 'stream.recovered', 'stream.interrupted', 'stream.ended', 'transcode.error']);

export function isSessionEvent(event: StreamplaneEvent): boolean {
  return SESSION_EVENTS.has(event.type) && !!event.sessionId && !!event.streamId;
}

/** The record after `event`, or undefined when the event changes nothing (not a session event, seen already). */
export function applySessionEvent(current: SessionRecord | undefined, event: StreamplaneEvent): SessionRecord | undefined {
  if (!isSessionEvent(event)) return undefined;
  if (current?.appliedEventIds.includes(event.id)) return undefined;
  const next: SessionRecord = current
    ? { ...current, appliedEventIds: [...current.appliedEventIds] }
    : { id: event.sessionId!, streamId: event.streamId!, startedAt: event.time, reconnects: 0, interruptions: 0, transcoderRestarts: 0, appliedEventIds: [], version: 0 };
  // Events may arrive out of order: the start is the earliest connect seen.
  if (event.time < next.startedAt) next.startedAt = event.time;
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'stream.connected':
      if (data.reconnect === true) next.reconnects++;
      // The first connect names the session's address; a reconnect only fills it in if it was unknown.
      if (typeof data.remoteAddress === 'string' && (data.reconnect !== true || next.remoteAddress === undefined)) next.remoteAddress = data.remoteAddress;
      break;
    case 'stream.interrupted':
      next.interruptions++;
      break;
    case 'stream.ended':
      next.endedAt = event.time;
      next.endReason = String(data.reason);
      break;
    case 'transcode.error':
      next.transcoderRestarts++;
      break;
  }
  next.appliedEventIds.push(event.id);
  if (next.appliedEventIds.length > APPLIED_EVENTS_KEPT) next.appliedEventIds.splice(0, next.appliedEventIds.length - APPLIED_EVENTS_KEPT);
  return next;
}

/** Applies a session event to its stored record (read, apply, conditional write; retried on a race). */
export async function projectSessionEvent(deps: { sessions: SessionStore }, event: StreamplaneEvent): Promise<boolean> {
  if (!isSessionEvent(event)) return false;
  for (let attempt = 0; ; attempt++) {
    const current = await deps.sessions.get(event.sessionId!);
    const next = applySessionEvent(current, event);
    if (!next) return false;
    try {
      await deps.sessions.put(next, current?.version);
      return true;
    } catch (err) {
      if (err instanceof ConflictError && attempt < 5) continue;
      throw err;
    }
  }
}

export function toSessionView(record: SessionRecord, stats: SessionStats | undefined): SessionView {
  const durationSeconds = record.endedAt ? Math.round((Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 100) / 10 : null;
  const kbps = (bytes: number | undefined) => (stats && stats.mediaSeconds > 0 && bytes !== undefined ? Math.round((bytes * 8) / stats.mediaSeconds / 1000) : null);
  return {
    id: record.id,
    streamId: record.streamId,
    status: record.endedAt ? 'ended' : 'open',
    startedAt: record.startedAt,
    endedAt: record.endedAt ?? null,
    endReason: record.endReason ?? null,
    durationSeconds,
    remoteAddress: record.remoteAddress ?? null,
    reconnects: record.reconnects,
    interruptions: record.interruptions,
    takeovers: stats?.takeovers ?? 0,
    transcoderRestarts: record.transcoderRestarts,
    stats: {
      averageVideoKbps: kbps(stats?.videoBytes),
      peakVideoKbps: stats ? stats.peakVideoKbps : null,
      averageAudioKbps: kbps(stats?.audioBytes),
      width: stats?.width ?? null,
      height: stats?.height ?? null,
      fps: stats?.fps ?? null,
      videoCodec: stats?.videoCodec ?? null,
      audioCodec: stats?.audioCodec ?? null,
      keyframeIntervalSeconds: stats?.keyframeIntervalSeconds ?? null,
      starvedSeconds: stats?.starvedSeconds ?? 0,
      mediaSeconds: stats?.mediaSeconds ?? 0,
    },
  };
}

export async function getSession(deps: { sessions: SessionStore }, sessionId: string): Promise<SessionView> {
  const record = await deps.sessions.get(sessionId);
  if (!record) throw new NotFoundError('session', sessionId);
  return toSessionView(record, await deps.sessions.getStats(sessionId));
}

export async function listStreamSessions(deps: { sessions: SessionStore }, streamId: string, page: { limit: number; cursor?: string }): Promise<Page<SessionView>> {
  const records = await deps.sessions.listByStream(streamId, page);
  const items = await Promise.all(records.items.map(async (r) => toSessionView(r, await deps.sessions.getStats(r.id))));
  return records.next ? { items, next: records.next } : { items };
}
