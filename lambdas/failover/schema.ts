/**
 * The events the failover function receives, parsed once at the edge: SQS records carrying ECS "Task
 * State Change" events of the ingest service (routed from the default bus), and the EventBridge schedule
 * that sweeps stale heartbeats and due reconnect deadlines. Anything else is refused, not guessed at.
 */
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas';
import { z } from 'zod';

export const ecsTaskStateChangeSchema = z.object({
  source: z.literal('aws.ecs'),
  'detail-type': z.literal('ECS Task State Change'),
  detail: z.object({
    taskArn: z.string().regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/[^/]+\/[A-Za-z0-9-]{1,128}$/, 'expected an ECS task ARN with a cluster'),
    clusterArn: z.string(),
    lastStatus: z.string(),
    group: z.string().optional(),
    stoppedReason: z.string().optional(),
  }),
});
export type EcsTaskStateChange = z.infer<typeof ecsTaskStateChangeSchema>;

/** An SQS record body carrying one ECS task state change (Powertools' JSONStringified helper). */
export const ecsTaskStateChangeBody = JSONStringified(ecsTaskStateChangeSchema);

// Powertools' SQS record fields, only those the function reads: the local plane and tests hand the
// handler records without receipt handles, ARNs and MD5s, and nothing here depends on them.
export const sqsEventSchema = z.object({
  Records: z.array(SqsRecordSchema.pick({ messageId: true, body: true, eventSource: true }).extend({ messageId: z.string().min(1) })).min(1),
});

export const scheduledEventSchema = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.string(),
});

export const failoverEventSchema = z.union([sqsEventSchema, scheduledEventSchema]);
export type FailoverEvent = z.infer<typeof failoverEventSchema>;

/** The short id of an ECS task ARN (its last segment), as the ingest names itself in heartbeats. */
export function taskIdOf(change: EcsTaskStateChange): string {
  const arn = change.detail.taskArn;
  return arn.slice(arn.lastIndexOf('/') + 1);
}
