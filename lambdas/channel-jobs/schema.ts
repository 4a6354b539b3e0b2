/**
 * What the channel-jobs Lambda is handed, parsed never trusted: an SQS batch of plane events routed from
 * the bus (stream.created/updated/enabled/ended), or the scheduled EventBridge event of its sweep.
 */
import type { SQSEvent } from 'aws-lambda';
import { z } from 'zod';

export const scheduledEvent = z.looseObject({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') });

export type ChannelJobsInvocation = { kind: 'events'; event: SQSEvent } | { kind: 'sweep' };

export function parseInvocation(event: unknown): ChannelJobsInvocation | undefined {
  if (typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records)) return { kind: 'events', event: event as SQSEvent };
  return scheduledEvent.safeParse(event).success ? { kind: 'sweep' } : undefined;
}
