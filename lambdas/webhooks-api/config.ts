/**
 * Configuration of the webhooks API Lambda, read from the environment once per cold start and
 * validated; a bad value fails the cold start naming the key (never its value). The only module of
 * this function that reads `process.env`.
 */
import { z } from 'zod';
import { parseCidrList, type Cidr } from '../../core/webhooks/url-policy';
import { apiTokenConfig, apiTokenEnv, parseEnv, parseOr, tableName, type ApiTokenConfig, type Env } from '../shared/config';

export interface WebhooksApiConfig {
  tableName: string;
  /** The dispatcher's retry queue: manual redeliveries go there. */
  retryQueueUrl: string;
  allowCidrs: Cidr[];
  apiToken: ApiTokenConfig;
}

const schema = z.object({
  TABLE_NAME: tableName,
  WEBHOOK_RETRY_QUEUE_URL: z.url({ protocol: /^https$/, error: 'must be an SQS queue URL' }),
  WEBHOOK_ALLOW_CIDRS: z.string().max(4000).optional(),
  ...apiTokenEnv,
});

export function loadWebhooksApiConfig(env: Env = process.env): WebhooksApiConfig {
  const parsed = parseEnv(schema, env);
  const apiToken = apiTokenConfig(parsed);
  return {
    tableName: parsed.TABLE_NAME,
    retryQueueUrl: parsed.WEBHOOK_RETRY_QUEUE_URL,
    allowCidrs: parseOr('WEBHOOK_ALLOW_CIDRS', () => parseCidrList(parsed.WEBHOOK_ALLOW_CIDRS ?? '')),
    apiToken,
  };
}
