/**
 * Configuration of the webhooks API Lambda, read from the environment once per cold start and
 * validated; a bad value fails the cold start naming the key (never its value). The only module of
 * this function that reads `process.env`.
 */
import { z } from 'zod';
import { parseCidrList, type Cidr } from '../../core/webhooks/url-policy';
import { ConfigError, type StreamRegistryConfig } from '../shared/config';
import { parseEnv } from '../shared/config';
import { parseOr } from '../webhook-dispatcher/config';

type Env = Readonly<Record<string, string | undefined>>;

export interface WebhooksApiConfig {
  tableName: string;
  /** The dispatcher's retry queue: manual redeliveries go there. */
  retryQueueUrl: string;
  allowCidrs: Cidr[];
  apiToken: StreamRegistryConfig['apiToken'];
}

const schema = z.object({
  TABLE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  WEBHOOK_RETRY_QUEUE_URL: z.url({ protocol: /^https$/, error: 'must be an SQS queue URL' }),
  WEBHOOK_ALLOW_CIDRS: z.string().max(4000).optional(),
  API_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  API_TOKEN_SECRET_ARN: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN').optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').optional(),
});

export function loadWebhooksApiConfig(env: Env = process.env): WebhooksApiConfig {
  const parsed = parseEnv(schema, env);
  if ((parsed.API_TOKEN === undefined) === (parsed.API_TOKEN_SECRET_ARN === undefined)) {
    throw new ConfigError('API_TOKEN / API_TOKEN_SECRET_ARN', 'exactly one must be set');
  }
  const apiToken: WebhooksApiConfig['apiToken'] =
    parsed.API_TOKEN !== undefined
      ? { value: parsed.API_TOKEN }
      : {
          secretArn: parsed.API_TOKEN_SECRET_ARN as string,
          ...(parsed.AWS_SESSION_TOKEN ? { sessionToken: parsed.AWS_SESSION_TOKEN } : {}),
          extensionPort: Number(parsed.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
        };
  return {
    tableName: parsed.TABLE_NAME,
    retryQueueUrl: parsed.WEBHOOK_RETRY_QUEUE_URL,
    allowCidrs: parseOr('WEBHOOK_ALLOW_CIDRS', () => parseCidrList(parsed.WEBHOOK_ALLOW_CIDRS ?? '')),
    apiToken,
  };
}
