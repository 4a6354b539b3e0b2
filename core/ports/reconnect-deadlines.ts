/**
 * Pending ends of sessions whose ingest task was lost. When the failover marks such a session
 * interrupted, nobody is left to end it after its reconnect window (on a healthy task the ingest's own
 * timer does that), so the failover records a deadline here and its scheduled run enforces it.
 */
export interface ReconnectDeadline {
  streamId: string;
  sessionId: string;
  /**
   * The stream's version right after it was interrupted. The session is only ended if the stream is still
   * at exactly this version: any change since (the encoder came back, the API ended it) cancels the deadline.
   */
  version: number;
  /** When the reconnect window runs out. */
  endAfter: Date;
}

export interface ReconnectDeadlineStore {
  /** Records (or replaces) the stream's deadline. One per stream. */
  schedule(deadline: ReconnectDeadline): Promise<void>;
  /** Deadlines whose `endAfter` is at or before `now` (strongly consistent re-check of each). */
  listDue(now: Date): Promise<ReconnectDeadline[]>;
  /** Removes the deadline if it is still the one given (same stream version); a newer one stays. */
  remove(deadline: Pick<ReconnectDeadline, 'streamId' | 'version'>): Promise<void>;
}
