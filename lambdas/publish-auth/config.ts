/**
 * Configuration of the publish-auth Lambda: the table and, optionally, the event bus. Read from the
 * environment once per cold start; the only module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { eventBusName, optionalBus, parseEnv, tableName, type Env } from '../shared/config';

export interface PublishAuthConfig {
  tableName: string;
  eventBusName?: string;
}

export const tableAndBusSchema = z.object({ TABLE_NAME: tableName, EVENT_BUS_NAME: eventBusName.optional() });

export function loadPublishAuthConfig(env: Env = process.env): PublishAuthConfig {
  const parsed = parseEnv(tableAndBusSchema, env);
  return { tableName: parsed.TABLE_NAME, ...optionalBus(parsed.EVENT_BUS_NAME) };
}
