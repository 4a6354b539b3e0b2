/**
 * Stores of what the ingest observes about live feeds and about itself: the latest health report per
 * stream, the publish sessions (kept after they end), and one report per ingest node. Written by the
 * ingest (and, for sessions, the projection of session events); read by the control API.
 */
import type { StreamHealthReport } from '../health/stream-health';
import type { NodeReport } from '../nodes/nodes';
import type { SessionRecord, SessionStats } from '../sessions/session';
import type { Page } from './stream-store';

export interface StreamHealthStore {
  /** Replaces the stream's report. */
  put(report: StreamHealthReport): Promise<void>;
  get(streamId: string): Promise<StreamHealthReport | undefined>;
}

export interface SessionStore {
  get(sessionId: string): Promise<SessionRecord | undefined>;
  /**
   * Writes the record if the stored one has `expectedVersion` (undefined: none stored yet), storing it with
   * version expectedVersion + 1 (or 1). ConflictError otherwise.
   */
  put(record: SessionRecord, expectedVersion: number | undefined): Promise<void>;
  /** The stream's sessions, newest first. */
  listByStream(streamId: string, options: { limit: number; cursor?: string }): Promise<Page<SessionRecord>>;
  getStats(sessionId: string): Promise<SessionStats | undefined>;
  /** Replaces the session's statistics (the ingest that carries it writes them). */
  putStats(stats: SessionStats): Promise<void>;
}

export interface NodeStore {
  /** Replaces the node's report. */
  put(report: NodeReport): Promise<void>;
  /** Every node that reported within the store's retention (a day), by id. */
  list(): Promise<NodeReport[]>;
}
