/**
 * The events the failover function receives, parsed once at the edge: SQS records carrying ECS "Task
 * State Change" events of the ingest service (routed from the default bus), and the EventBridge schedule
 * that sweeps stale heartbeats and due reconnect deadlines. Anything else is refused, not guessed at.
 */
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

export const sqsEventSchema = z.object({
  Records: z
    .array(z.object({ messageId: z.string().min(1), body: z.string(), eventSource: z.literal('aws:sqs') }))
    .min(1),
});

export const scheduledEventSchema = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.string(),
});

export const failoverEventSchema = z.union([sqsEventSchema, scheduledEventSchema]);
export type FailoverEvent = z.infer<typeof failoverEventSchema>;

/** Configuration from the environment (validated once per cold start; errors name the variable). */
export const failoverEnvSchema = z.object({
  TABLE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  EVENT_BUS_NAME: z.string().regex(/^[A-Za-z0-9._\-/:]{1,1600}$/, 'must be an EventBridge bus name or ARN'),
  /** A heartbeat older than this marks its task lost. */
  HEARTBEAT_STALE_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
});

export interface FailoverConfig {
  tableName: string;
  eventBusName: string;
  staleAfterMs: number;
}

export function parseFailoverConfig(env: Readonly<Record<string, string | undefined>>): FailoverConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = failoverEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid configuration: ${String(issue?.path[0] ?? 'environment')} ${issue?.code === 'invalid_type' ? 'is required' : (issue?.message ?? 'is invalid')}.`);
  }
  return { tableName: parsed.data.TABLE_NAME, eventBusName: parsed.data.EVENT_BUS_NAME, staleAfterMs: parsed.data.HEARTBEAT_STALE_SECONDS * 1000 };
}

/** The short id of an ECS task ARN (its last segment), as the ingest names itself in heartbeats. */
export function taskIdOf(change: EcsTaskStateChange): string {
  const arn = change.detail.taskArn;
  return arn.slice(arn.lastIndexOf('/') + 1);
}
