/**
 * Configuration of the webhook dispatcher Lambda, read from the environment once per cold start and
 * validated; a bad value fails the cold start naming the key. The only module of this function that
 * reads `process.env`.
 */
import { z } from 'zod';
import { parseCidrList, type Cidr } from '../../core/webhooks/url-policy';
import { DEFAULT_DISABLE_AFTER_MS, DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule } from '../../core/webhooks/webhooks';
import { ConfigError, eventBusName, optionalBus, parseEnv, parseOr, tableName, type Env } from '../shared/config';

export interface WebhookDispatcherConfig {
  tableName: string;
  eventBusName?: string;
  /** Where the dispatcher sends attempt messages (retries, routed first attempts, deferrals). */
  retryQueueUrl: string;
  deadLetterQueueUrl: string;
  allowCidrs: Cidr[];
  retryScheduleMs: number[];
  timeoutMs: number;
  disableAfterMs: number;
}

const queueUrl = z.url({ protocol: /^https$/, error: 'must be an SQS queue URL' });

const schema = z.object({
  TABLE_NAME: tableName,
  EVENT_BUS_NAME: eventBusName.optional(),
  WEBHOOK_RETRY_QUEUE_URL: queueUrl,
  WEBHOOK_DLQ_URL: queueUrl,
  WEBHOOK_ALLOW_CIDRS: z.string().max(4000).optional(),
  WEBHOOK_RETRY_SCHEDULE: z.string().max(400).optional(),
  WEBHOOK_TIMEOUT_MS: z.string().regex(/^\d{3,5}$/, 'must be milliseconds from 1000 to 30000').optional(),
  WEBHOOK_DISABLE_AFTER_HOURS: z.string().regex(/^\d{1,4}$/, 'must be whole hours').optional(),
});

export function loadWebhookDispatcherConfig(env: Env = process.env): WebhookDispatcherConfig {
  const parsed = parseEnv(schema, env);
  const timeoutMs = parsed.WEBHOOK_TIMEOUT_MS === undefined ? 10_000 : Number(parsed.WEBHOOK_TIMEOUT_MS);
  if (timeoutMs < 1000 || timeoutMs > 30_000) throw ConfigError.forKey('WEBHOOK_TIMEOUT_MS', 'must be milliseconds from 1000 to 30000');
  const disableAfterHours = parsed.WEBHOOK_DISABLE_AFTER_HOURS === undefined ? undefined : Number(parsed.WEBHOOK_DISABLE_AFTER_HOURS);
  if (disableAfterHours !== undefined && disableAfterHours < 1) throw ConfigError.forKey('WEBHOOK_DISABLE_AFTER_HOURS', 'must be at least 1');
  return {
    tableName: parsed.TABLE_NAME,
    ...optionalBus(parsed.EVENT_BUS_NAME),
    retryQueueUrl: parsed.WEBHOOK_RETRY_QUEUE_URL,
    deadLetterQueueUrl: parsed.WEBHOOK_DLQ_URL,
    allowCidrs: parseOr('WEBHOOK_ALLOW_CIDRS', () => parseCidrList(parsed.WEBHOOK_ALLOW_CIDRS ?? '')),
    retryScheduleMs: parsed.WEBHOOK_RETRY_SCHEDULE === undefined ? [...DEFAULT_RETRY_SCHEDULE_MS] : parseOr('WEBHOOK_RETRY_SCHEDULE', () => parseRetrySchedule(parsed.WEBHOOK_RETRY_SCHEDULE as string)),
    timeoutMs,
    disableAfterMs: disableAfterHours === undefined ? DEFAULT_DISABLE_AFTER_MS : disableAfterHours * 3_600_000,
  };
}
