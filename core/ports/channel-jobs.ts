/**
 * Where channel jobs go (core/channels/channel-jobs.ts): the cloud's ChannelJobs queue, which ingest
 * tasks take jobs from. Only the producer sends; a duplicate job is harmless (the task that gets it drops it).
 */
import type { ChannelJob } from '../channels/channel-jobs';

export interface ChannelJobQueue {
  send(job: ChannelJob): Promise<void>;
}
