/**
 * Where a requested pull goes to be run: the local plane hands it to its in-process runner; the cloud
 * sends it to the pull-job SQS queue that ingest tasks with a free slot take from.
 */
export interface PullJob {
  streamId: string;
  /** When the start was requested (ISO 8601); a runner skips a job whose stream no longer wants it. */
  requestedAt: string;
}

export interface PullJobQueue {
  enqueue(job: PullJob): Promise<void>;
}
