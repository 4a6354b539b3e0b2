/**
 * The recording retention sweep, added to the stack only with a retention: once a day, a function deletes
 * the recordings past it — their objects under recordings/ and their REC# records — so the API stops
 * listing media that is gone; the lifecycle rule on recordings/ is a backstop behind it. It reads the
 * settled partition of gsi2 (oldest first), reads, marks and deletes REC# items, lists and deletes under
 * recordings/ (never reading media), and emits no events.
 *
 * Must never: grant the sweep reading media, anything outside recordings/, or items other than REC#.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { recordingKeys } from '../../adapters/dynamodb-recording-store';
import { GSI2_NAME } from '../../adapters/dynamodb-table';
import { RECORDINGS_PREFIX, type MediaBucket } from '../constructs/media-bucket';
import { PlaneFunction, type PlaneFunctionProps } from '../constructs/plane-function';
import { ITEM_FAMILIES, type StreamTable } from '../constructs/stream-table';

/**
 * The retention sweep's timeout: Lambda's maximum, so a daily run gets through a backlog. The handler
 * reads no new recording in its last two minutes and leaves the rest to the next run.
 */
const RECORDING_RETENTION_TIMEOUT = Duration.minutes(15);

export interface RecordingRetentionProps extends Pick<PlaneFunctionProps, 'logRetention' | 'logRemovalPolicy'> {
  /** The sweep's handler module. */
  readonly entry: string;
  /** Recordings older than this many days are deleted; must be more than 0. */
  readonly retentionDays: number;
  readonly table: StreamTable;
  readonly media: MediaBucket;
}

/**
 * Adds the sweep function (`RecordingRetention`) and its daily schedule (`RecordingRetentionSchedule`)
 * directly under `scope`, so their construct paths are the stack's own.
 */
export function addRecordingRetention(scope: Construct, props: RecordingRetentionProps): { sweep: PlaneFunction; schedule: events.Rule } {
  if (!(props.retentionDays > 0)) throw new Error(`recording retention needs retentionDays > 0; got ${props.retentionDays}`);
  const { table, media } = props;
  const sweep = new PlaneFunction(scope, 'RecordingRetention', {
    entry: props.entry,
    serviceName: 'recording-retention',
    description: 'Deletes recordings past their retention, with their media',
    timeout: RECORDING_RETENTION_TIMEOUT,
    environment: { TABLE_NAME: table.tableName, MEDIA_BUCKET: media.bucketName, RECORDING_RETENTION_DAYS: String(props.retentionDays) },
    ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    ...(props.logRemovalPolicy !== undefined ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
  });
  table.grantItemFamilies(sweep.role, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], [ITEM_FAMILIES.recording]);
  table.grantIndexQuery(sweep.role, GSI2_NAME, [recordingKeys.settledPartition.legacy, `${recordingKeys.settledPartition.legacy}#*`]);
  media.grantDeleteUnder(sweep.role, RECORDINGS_PREFIX);
  const schedule = new events.Rule(scope, 'RecordingRetentionSchedule', {
    description: 'Deletes recordings past their retention, once a day',
    schedule: events.Schedule.rate(Duration.days(1)),
    // A missed run is covered by the next one; a retried late run would only overlap it.
    targets: [new targets.LambdaFunction(sweep.function, { retryAttempts: 0 })],
  });
  return { sweep, schedule };
}
