/**
 * The media library's upload → probe path in the cloud: S3 "Object Created" events (EventBridge) of
 * `media/<id>/source` keys go to a work queue (with its dead-letter queue and alarms) that the ingest tasks poll — ffprobe is
 * in the ingest image, not in Lambda. Clients PUT to presigned URLs the media API signs, so no upload
 * passes through a Lambda.
 *
 * Must never: route events of other folders or buckets to the probe queue, or create the queue without a DLQ.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LIBRARY_PREFIX } from '../../core/media/layout';
import type { MediaBucket } from './media-bucket';
import { WorkQueue } from './work-queue';

export interface MediaLibraryProps {
  /** The bucket library files are uploaded into (under `media/`). */
  readonly media: MediaBucket;
  /**
   * How long one probe may take before its message is handed out again: ffprobe reads every packet of a
   * file of up to 2 GiB from S3. @default Duration.minutes(15)
   */
  readonly probeVisibilityTimeout?: Duration;
}

export class MediaLibrary extends Construct {
  readonly probes: WorkQueue;
  readonly uploadedRule: events.Rule;

  constructor(scope: Construct, id: string, props: MediaLibraryProps) {
    super(scope, id);
    const visibility = props.probeVisibilityTimeout ?? Duration.minutes(15);
    if (visibility.toSeconds() < 60) throw new Error(`MediaLibrary: probeVisibilityTimeout must be at least a minute (a probe reads the whole file), got ${visibility.toHumanString()}.`);
    this.probes = new WorkQueue(this, 'Probes', {
      visibilityTimeout: visibility,
      maxReceiveCount: 3,
      maxMessageAge: Duration.minutes(30),
      purpose: 'probing uploaded media library files (consumed by the ingest tasks)',
    });
    // EventBridge notifications are a plain property of the bucket: no notifications custom resource (and
    // its managed-policy role). S3 sends them to the account's default bus; the rule picks library uploads.
    (props.media.bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled', true);
    this.uploadedRule = new events.Rule(this, 'Uploaded', {
      description: 'Media library uploads (media/<id>/source) to the probe queue',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.media.bucketName] }, object: { key: [{ wildcard: `${LIBRARY_PREFIX}*/source` }] } },
      },
      targets: [new targets.SqsQueue(this.probes.queue)],
    });
  }

  /** Take probe jobs (receive, delete, extend visibility). */
  grantConsumeProbes(grantee: iam.IGrantable): iam.Grant {
    return this.probes.grantConsume(grantee);
  }
}
