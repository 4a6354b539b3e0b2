/**
 * Pull jobs in the cloud: the held-job consumer (jobs/held-job-consumer.ts) fed to the pull runner, so a
 * task takes only as many pulls as it has free slots and holds each job while its pull runs here. A task
 * that dies stops extending, so the job becomes visible again and another task takes it; meanwhile the
 * failover path (stale heartbeat) interrupts the stream, and the new task's pull continues the session
 * inside the reconnect window (`stream.recovered`).
 *
 * Must never: receive more jobs than free slots, or delete a job whose pull still runs.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { Logger } from '../../../../core/ports/logger';
import { HeldJobConsumer } from '../jobs/held-job-consumer';
import type { PullRunner } from './pull-runner';

const jobBody = z.object({ streamId: z.string().min(1).max(64), requestedAt: z.string().max(64) });

export interface PullJobConsumerOptions {
  client: SQSClient;
  queueUrl: string;
  runner: PullRunner;
  logger: Logger;
  /** The queue's visibility timeout; the hold is renewed at a third of it. */
  visibilitySeconds: number;
  waitSeconds?: number;
}

export class PullJobConsumer {
  private readonly jobs: HeldJobConsumer<z.infer<typeof jobBody>>;

  constructor(options: PullJobConsumerOptions) {
    const { runner } = options;
    this.jobs = new HeldJobConsumer({
      client: options.client,
      queueUrl: options.queueUrl,
      name: 'pull jobs',
      body: jobBody,
      key: (job) => job.streamId,
      capacity: () => runner.capacity,
      submit: (job) => {
        const outcome = runner.submit(job);
        if (outcome === 'already_running' || outcome === 'already_queued') return 'duplicate';
        return outcome === 'closed' ? 'closed' : 'held';
      },
      logger: options.logger,
      visibilitySeconds: options.visibilitySeconds,
      ...(options.waitSeconds !== undefined ? { waitSeconds: options.waitSeconds } : {}),
    });
  }

  start(): void {
    this.jobs.start();
  }

  /** The runner finished a pull: delete its job, or hand it back when this task is closing. */
  finished(streamId: string, outcome: 'stopped' | 'failed' | 'closed'): Promise<void> {
    return this.jobs.finished(streamId, outcome === 'stopped' ? 'done' : outcome);
  }

  stop(): Promise<void> {
    return this.jobs.stop();
  }

  /** One receive of at most the free slots; how many jobs were taken. */
  pollOnce(): Promise<number> {
    return this.jobs.pollOnce();
  }
}
