/**
 * Liveness of ingest tasks. Every ingest task writes a heartbeat naming the streams it carries, every few
 * seconds and whenever that set changes; the failover treats a task whose heartbeat went stale (or that
 * the orchestrator reports stopped) as lost, and recovers the streams its last heartbeat named.
 */
export interface IngestHeartbeat {
  /** The orchestrator's id of the task (the last part of the ECS task ARN; a host name locally). */
  taskId: string;
  /** Streams the task carried when it wrote this heartbeat. */
  streamIds: string[];
  /** When the task wrote it. */
  at: Date;
}

export interface IngestHeartbeatStore {
  /** Records that `taskId` is alive at `at` carrying exactly `streamIds`. An older beat never replaces a newer one. */
  beat(taskId: string, streamIds: ReadonlyArray<string>, at: Date): Promise<void>;
  /** The task's latest heartbeat (strongly consistent), if any. */
  get(taskId: string): Promise<IngestHeartbeat | undefined>;
  /** Heartbeats last written strictly before `olderThan`: tasks presumed lost. */
  listStale(olderThan: Date): Promise<IngestHeartbeat[]>;
  /** Heartbeats written at or after `since`: tasks presumed alive. */
  listFresh(since: Date): Promise<IngestHeartbeat[]>;
  /**
   * Removes the task's heartbeat. With `expectedAt`, only if it is still the beat written at that time,
   * so a task that beat again in the meantime keeps it. Returns whether something was removed.
   */
  remove(taskId: string, expectedAt?: Date): Promise<boolean>;
}
