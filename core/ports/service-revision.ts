/**
 * Whether this ingest task runs the revision its orchestrator currently deploys. During a deploy the old
 * revision's tasks keep running while they carry live streams (scale-in protection); a task that learns
 * it is outdated drains: it takes no new publisher and hands its live ones off to new tasks.
 * ECS in the cloud (DescribeTasks + DescribeServices); on one machine there is only one revision.
 */
export type RevisionStatus = 'current' | 'outdated' | 'unknown';

export interface ServiceRevision {
  check(): Promise<RevisionStatus>;
}

export const alwaysCurrentRevision: ServiceRevision = {
  async check() {
    return 'current';
  },
};
