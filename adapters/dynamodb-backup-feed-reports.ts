/**
 * Backup ingest across ingest tasks (core/ports/backup-feed-reports.ts) in the plane's single table, beside
 * the stream's output lease so the same IAM grant covers them (leading keys `LEASE#*`, Get and Put only):
 * `LEASE#<streamId>` / `FEED#<role>` is the standby's health report, `LEASE#<streamId>` / `HANDOVER` the
 * hand-over note. Both carry the table's TTL, so a stream that went away leaves nothing behind; a note
 * that was acted on is overwritten as cleared (conditional on being the same note), never deleted.
 *
 * Must never: touch the lease item itself (`OUTPUT`), or be read through an index (reports are read
 * strongly consistently: a takeover decided on a stale read would promote the wrong feed).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { FEED_ROLES, TAKEOVER_REASONS, type FeedRole } from '../core/channels/backup-selector';
import type { FeedReport, HandOverNote } from '../core/channels/remote-feed';
import type { BackupFeedReports } from '../core/ports/backup-feed-reports';
import { OUTPUT_LEASE_PARTITION_PREFIX } from './dynamodb-output-lease';
import { isConditionFailure } from './dynamodb-support';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './dynamodb-table';
import { TableClient } from './dynamodb-table-client';

/** Reports and notes outlive their use by far; the TTL only sweeps what a gone stream left. */
const KEEP_SECONDS = 3600;

const role = z.enum(FEED_ROLES);
const reportSchema = z.object({
  streamId: z.string(),
  sessionId: z.string(),
  role,
  taskId: z.string(),
  healthy: z.boolean(),
  steadyForMs: z.number().nonnegative(),
  reportedAt: z.iso.datetime(),
});
const noteSchema = z.object({
  streamId: z.string(),
  sessionId: z.string(),
  from: role,
  to: role,
  reason: z.enum(TAKEOVER_REASONS),
  byTask: z.string(),
  at: z.iso.datetime(),
  cleared: z.boolean().optional(),
});

const key = (streamId: string, sk: string) => ({ [PARTITION_KEY]: `${OUTPUT_LEASE_PARTITION_PREFIX}${streamId}`, [SORT_KEY]: sk });
const reportKey = (streamId: string, feedRole: FeedRole) => key(streamId, `FEED#${feedRole}`);
const noteKey = (streamId: string) => key(streamId, 'HANDOVER');
const ttl = (at: Date) => Math.floor(at.getTime() / 1000) + KEEP_SECONDS;

export class DynamoDbBackupFeedReports implements BackupFeedReports {
  private readonly table: TableClient;

  constructor(options: { tableName: string; client?: DynamoDBClient }) {
    this.table = new TableClient(options);
  }

  async report(report: FeedReport): Promise<void> {
    await this.table.put({
      Item: marshall({ ...reportKey(report.streamId, report.role), ...report, reportedAt: report.reportedAt.toISOString(), [TTL_ATTRIBUTE]: ttl(report.reportedAt) }),
    });
  }

  async get(streamId: string, feedRole: FeedRole): Promise<FeedReport | undefined> {
    const item = await this.table.get(reportKey(streamId, feedRole));
    if (!item) return undefined;
    const parsed = reportSchema.parse(unmarshall(item));
    return { ...parsed, reportedAt: new Date(parsed.reportedAt) };
  }

  async handOver(note: HandOverNote): Promise<void> {
    await this.table.put({ Item: marshall({ ...noteKey(note.streamId), ...note, at: note.at.toISOString(), [TTL_ATTRIBUTE]: ttl(note.at) }) });
  }

  async note(streamId: string): Promise<HandOverNote | undefined> {
    const item = await this.table.get(noteKey(streamId));
    if (!item) return undefined;
    const { cleared, ...parsed } = noteSchema.parse(unmarshall(item));
    return cleared ? undefined : { ...parsed, at: new Date(parsed.at) };
  }

  async clearNote(streamId: string, at: Date): Promise<void> {
    const note = await this.note(streamId);
    if (!note || note.at.getTime() !== at.getTime()) return;
    try {
      await this.table.put({
        Item: marshall({ ...noteKey(streamId), ...note, at: note.at.toISOString(), cleared: true, [TTL_ATTRIBUTE]: ttl(note.at) }),
        ConditionExpression: '#at = :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: marshall({ ':at': at.toISOString() }),
      });
    } catch (err) {
      if (!isConditionFailure(err)) throw err; // a newer note came meanwhile: it stays
    }
  }
}
