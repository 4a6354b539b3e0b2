/**
 * Configuration of the channel-jobs Lambda, read once per cold start; errors name the variable, never
 * its value. The only module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { parseEnv, tableName, type Env } from '../shared/config';

const envSchema = z.object({
  TABLE_NAME: tableName,
  CHANNEL_JOB_QUEUE_URL: z.url(),
});

export interface ChannelJobsConfig {
  tableName: string;
  channelJobQueueUrl: string;
}

export function loadChannelJobsConfig(env: Env = process.env): ChannelJobsConfig {
  const c = parseEnv(envSchema, env);
  return { tableName: c.TABLE_NAME, channelJobQueueUrl: c.CHANNEL_JOB_QUEUE_URL };
}
