/**
 * 24/7 channels on an ingest task in the cloud: the media library as the channel director's media source,
 * the output lease in the table (live claims for this task's sessions), the channel jobs this task holds
 * (feeds/channel-job-host.ts) and the queue consumer that takes them (jobs/held-job-consumer.ts, the same
 * one the pull jobs use). Built before the ingest app; `bind` hands it the app's director once it exists.
 *
 * Must never: take more channel jobs than `maxChannels`, or play a channel before the director is bound.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbMediaStore } from '../../../../adapters/dynamodb-media-store';
import { DynamoDbOutputLeaseStore } from '../../../../adapters/dynamodb-output-lease';
import { channelJobBody } from '../../../../core/channels/channel-jobs';
import { libraryChannelMedia } from '../../../../core/media-library/channel-media-source';
import type { ChannelMediaSource } from '../../../../core/ports/channel-media';
import type { Clock } from '../../../../core/ports/clock';
import type { Logger } from '../../../../core/ports/logger';
import type { OutputLeaseStore } from '../../../../core/ports/output-lease';
import type { StreamStore } from '../../../../core/ports/stream-store';
import type { ChannelDirector, ChannelHosting } from '../feeds/channel-director';
import { ChannelJobHost } from '../feeds/channel-job-host';
import { LiveOutputLease } from '../feeds/live-output-lease';
import { HeldJobConsumer } from '../jobs/held-job-consumer';
import { withinDeadline } from '../jobs/within-deadline';

export interface CloudChannelsOptions {
  config: { tableName: string; channelJobQueueUrl: string; channelJobVisibilitySeconds: number; maxChannels: number; outputLeaseSeconds: number };
  taskId: string;
  store: StreamStore;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  clock: Clock;
  logger: Logger;
  /** @default the table's output lease */
  leases?: OutputLeaseStore;
  /** How often held channel jobs are looked at. @default 1000 */
  tickMs?: number;
  /** Long-poll wait of the queue consumer (tests shorten it). @default 20 */
  waitSeconds?: number;
}

export interface CloudChannels {
  media: ChannelMediaSource;
  hosting: ChannelHosting;
  host: ChannelJobHost;
  live: LiveOutputLease;
  /** The ingest app's director exists: start taking channel jobs. */
  bind(director: ChannelDirector): void;
  /** Hands held jobs back (visible again at once), stops the playouts and releases their leases (not `live`'s); bounded (about 3 ttl at most). */
  stop(): Promise<void>;
}

export function cloudChannels(options: CloudChannelsOptions): CloudChannels {
  const { config, logger, clock } = options;
  const ttlMs = config.outputLeaseSeconds * 1000;
  const leases = options.leases ?? new DynamoDbOutputLeaseStore({ tableName: config.tableName, client: options.dynamo });
  const media = libraryChannelMedia(options.store, new DynamoDbMediaStore({ tableName: config.tableName, client: options.dynamo }));
  let director: ChannelDirector | undefined;
  let consumer: HeldJobConsumer<typeof channelJobBody._output> | undefined;
  const host = new ChannelJobHost({
    taskId: options.taskId,
    leases,
    streams: options.store,
    media,
    sync: async (streamId) => director?.sync(streamId),
    fence: async (streamId) => director?.fence(streamId),
    settle: (streamId, settlement) => void consumer?.finished(streamId, settlement),
    clock,
    ttlMs,
    ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
    maxChannels: config.maxChannels,
    logger,
  });
  const live = new LiveOutputLease({ taskId: options.taskId, leases, clock, ttlMs, logger });
  consumer = new HeldJobConsumer({
    client: options.sqs,
    queueUrl: config.channelJobQueueUrl,
    name: 'channel jobs',
    body: channelJobBody,
    key: (job) => job.streamId,
    capacity: () => host.capacity,
    submit: (job) => host.submit(job),
    logger,
    visibilitySeconds: config.channelJobVisibilitySeconds,
    ...(options.waitSeconds !== undefined ? { waitSeconds: options.waitSeconds } : {}),
  });
  const jobs = consumer;
  return {
    media,
    host,
    live,
    hosting: {
      hosts: (streamId) => host.hosts(streamId),
      previousWriter: (streamId) => host.previousWriter(streamId) ?? live.previousWriter(streamId),
      claimLive: (streamId) => live.claim(streamId),
      releaseLive: (streamId) => live.release(streamId),
    },
    bind(bound) {
      director = bound;
      host.start();
      jobs.start();
    },
    async stop() {
      // Bounded throughout: a store or queue this task cannot reach delays the stop by about a ttl, not forever.
      if (!(await withinDeadline(jobs.stop(), ttlMs))) logger.warn('channel jobs: the queue consumer did not stop in time');
      await host.close();
      // The live leases are released by the ingest once its live sessions stopped writing (cloud-ingest.ts).
    },
  };
}
