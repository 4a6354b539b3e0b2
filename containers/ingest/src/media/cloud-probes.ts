/**
 * The ingest task's share of the media library in the cloud: it polls the probe queue (S3 notifications
 * of uploads under `media/`) and settles each upload with ffprobe reading the object over a short-lived
 * presigned GET URL — nothing is downloaded to the task's disk.
 * Must never: log a presigned URL, or keep polling after `stop`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DynamoDbMediaStore } from '../../../../adapters/dynamodb-media-store';
import { SqsQueuePoller } from '../../../../adapters/sqs-queue-poller';
import type { EmitEvent } from '../../../../core/events/emit-event';
import { systemClock } from '../../../../core/ports/clock';
import type { Logger } from '../../../../core/ports/logger';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { FfprobeProber } from './ffprobe-prober';
import { createMediaProbeConsumer } from './probe-worker';

export interface CloudProbesOptions {
  config: { mediaProbeQueueUrl: string; mediaBucket: string; tableName: string; mediaMaxBytes: number; ffprobePath: string };
  sqs: SQSClient;
  s3: S3Client;
  client: DynamoDBClient;
  objectStore: Pick<ObjectStore, 'delete'>;
  emit: EmitEvent;
  logger: Logger;
}

/** Long enough for ffprobe to read a 2 GiB file from S3; the queue's visibility timeout is longer still. */
const PROBE_URL_SECONDS = 15 * 60;

export function startMediaProbes(options: CloudProbesOptions): SqsQueuePoller {
  const { config } = options;
  const prober = new FfprobeProber({
    ffprobePath: config.ffprobePath,
    timeoutMs: (PROBE_URL_SECONDS - 60) * 1000,
    inputFor: (key) => getSignedUrl(options.s3, new GetObjectCommand({ Bucket: config.mediaBucket, Key: key }), { expiresIn: PROBE_URL_SECONDS }),
  });
  const poller = new SqsQueuePoller({
    client: options.sqs,
    queueUrl: config.mediaProbeQueueUrl,
    // ffprobe reads whole files: one at a time per task, beside the live work.
    batchSize: 1,
    logger: options.logger,
    handler: createMediaProbeConsumer({
      media: new DynamoDbMediaStore({ tableName: config.tableName, client: options.client }),
      emit: options.emit,
      clock: systemClock,
      objectStore: options.objectStore,
      maxBytes: config.mediaMaxBytes,
      prober,
      logger: options.logger,
    }),
  });
  poller.start();
  return poller;
}
