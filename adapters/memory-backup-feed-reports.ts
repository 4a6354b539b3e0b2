/**
 * Backup ingest across ingest tasks (core/ports/backup-feed-reports.ts) in one process's memory: unit
 * tests and the failover Lambda's tests. Copies in, copies out.
 * Must never: share a stored object with a caller.
 */
import type { FeedRole } from '../core/channels/backup-selector';
import type { FeedReport, HandOverNote } from '../core/channels/remote-feed';
import type { BackupFeedReports } from '../core/ports/backup-feed-reports';

export class MemoryBackupFeedReports implements BackupFeedReports {
  private readonly reports = new Map<string, FeedReport>();
  private readonly notes = new Map<string, HandOverNote>();

  async report(report: FeedReport): Promise<void> {
    this.reports.set(`${report.streamId}/${report.role}`, structuredClone(report));
  }

  async get(streamId: string, role: FeedRole): Promise<FeedReport | undefined> {
    const report = this.reports.get(`${streamId}/${role}`);
    return report && structuredClone(report);
  }

  async handOver(note: HandOverNote): Promise<void> {
    this.notes.set(note.streamId, structuredClone(note));
  }

  async note(streamId: string): Promise<HandOverNote | undefined> {
    const note = this.notes.get(streamId);
    return note && structuredClone(note);
  }

  async clearNote(streamId: string, at: Date): Promise<void> {
    if (this.notes.get(streamId)?.at.getTime() === at.getTime()) this.notes.delete(streamId);
  }
}
