/**
 * Backup ingest across ingest tasks: where a task reports its standby feed's health and leaves the note
 * that hands the output to the other task's feed (core/channels/remote-feed.ts). One report per stream and
 * role, one note per stream, each overwritten by the next; they expire on their own.
 * Must never: be the thing that decides who writes the playlists (the output lease is).
 */
import type { FeedRole } from '../channels/backup-selector';
import type { FeedReport, HandOverNote } from '../channels/remote-feed';

export interface BackupFeedReports {
  report(report: FeedReport): Promise<void>;
  get(streamId: string, role: FeedRole): Promise<FeedReport | undefined>;
  /** Leaves the hand-over note of a stream (replacing any earlier one). */
  handOver(note: HandOverNote): Promise<void>;
  note(streamId: string): Promise<HandOverNote | undefined>;
  /** Removes the note if it is still the one written at `at` (the feed it named took over). */
  clearNote(streamId: string, at: Date): Promise<void>;
}
