/**
 * Configuration of the MP4 export-stopped Lambda, read once per cold start; errors name the variable,
 * never its value. The only module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { parseEnv, tableName, type Env } from '../shared/config';

const envSchema = z.object({
  TABLE_NAME: tableName,
  EXPORT_CONTAINER_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be a container name'),
});

export interface Mp4ExportStoppedConfig {
  tableName: string;
  containerName: string;
}

export function loadMp4ExportStoppedConfig(env: Env = process.env): Mp4ExportStoppedConfig {
  const c = parseEnv(envSchema, env);
  return { tableName: c.TABLE_NAME, containerName: c.EXPORT_CONTAINER_NAME };
}
