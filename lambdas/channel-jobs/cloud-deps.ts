/**
 * Cold-start wiring of the channel-jobs Lambda for AWS: the stream registry, the media library and the
 * output leases from the table (read only), the ChannelJobs queue (send only).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbMediaStore } from '../../adapters/dynamodb-media-store';
import { DynamoDbOutputLeaseStore } from '../../adapters/dynamodb-output-lease';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { SqsChannelJobQueue } from '../../adapters/sqs-channel-job-queue';
import { libraryChannelMedia } from '../../core/media-library/channel-media-source';
import { systemClock } from '../../core/ports/clock';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { loadChannelJobsConfig } from './config';
import { createChannelJobsHandler, type ChannelJobsHandler } from './handler';

export async function buildChannelJobsHandler(env?: Env): Promise<ChannelJobsHandler> {
  const config = loadChannelJobsConfig(env);
  const logger = powertoolsLogger('channel-jobs');
  const client = new DynamoDBClient({});
  const streams = new DynamoDbStreamStore({ tableName: config.tableName, client, logger });
  return createChannelJobsHandler({
    streams,
    media: libraryChannelMedia(streams, new DynamoDbMediaStore({ tableName: config.tableName, client })),
    leases: new DynamoDbOutputLeaseStore({ tableName: config.tableName, client }),
    jobs: new SqsChannelJobQueue({ queueUrl: config.channelJobQueueUrl }),
    clock: systemClock,
    logger,
  });
}
