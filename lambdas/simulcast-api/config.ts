/**
 * Configuration of the simulcast targets API Lambda, read from the environment once per cold start and
 * validated; a bad value fails the cold start naming the key (never its value). The only module of this
 * function that reads `process.env`.
 */
import { z } from 'zod';
import { DEFAULT_MAX_TARGETS_PER_STREAM } from '../../core/relays/target';
import { parseCidrList, type Cidr } from '../../core/webhooks/url-policy';
import { apiTokenConfig, apiTokenEnv, parseEnv, parseOr, tableName, type ApiTokenConfig, type Env } from '../shared/config';

export interface SimulcastApiConfig {
  tableName: string;
  /** The KMS key simulcast stream keys are envelope-encrypted under. */
  keyId: string;
  maxTargets: number;
  allowCidrs: Cidr[];
  apiToken: ApiTokenConfig;
}

const schema = z.object({
  TABLE_NAME: tableName,
  SIMULCAST_KMS_KEY_ARN: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'must be a KMS key ARN'),
  SIMULCAST_MAX_TARGETS: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
  SIMULCAST_ALLOW_CIDRS: z.string().max(4000).optional(),
  ...apiTokenEnv,
});

export function loadSimulcastApiConfig(env: Env = process.env): SimulcastApiConfig {
  const parsed = parseEnv(schema, env);
  return {
    tableName: parsed.TABLE_NAME,
    keyId: parsed.SIMULCAST_KMS_KEY_ARN,
    maxTargets: parsed.SIMULCAST_MAX_TARGETS ?? DEFAULT_MAX_TARGETS_PER_STREAM,
    allowCidrs: parseOr('SIMULCAST_ALLOW_CIDRS', () => parseCidrList(parsed.SIMULCAST_ALLOW_CIDRS ?? '')),
    apiToken: apiTokenConfig(parsed),
  };
}
