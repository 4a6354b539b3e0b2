/**
 * Configuration of the failover Lambda, read once per cold start; errors name the variable. The only
 * module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { eventBusName, parseEnv, tableName, type Env } from '../shared/config';

export const failoverEnvSchema = z.object({
  TABLE_NAME: tableName,
  EVENT_BUS_NAME: eventBusName,
  /** A heartbeat older than this marks its task lost. */
  HEARTBEAT_STALE_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
});

export interface FailoverConfig {
  tableName: string;
  eventBusName: string;
  staleAfterMs: number;
}

export function parseFailoverConfig(env: Env = process.env): FailoverConfig {
  const parsed = parseEnv(failoverEnvSchema, env);
  return { tableName: parsed.TABLE_NAME, eventBusName: parsed.EVENT_BUS_NAME, staleAfterMs: parsed.HEARTBEAT_STALE_SECONDS * 1000 };
}
