/** Configuration of the simulcast cleanup consumer, read once per cold start; the only module of it reading `process.env`. */
import { z } from 'zod';
import { parseEnv, tableName, type Env } from '../shared/config';

const schema = z.object({ TABLE_NAME: tableName });

export interface SimulcastCleanupConfig {
  tableName: string;
}

export function loadSimulcastCleanupConfig(env: Env = process.env): SimulcastCleanupConfig {
  return { tableName: parseEnv(schema, env).TABLE_NAME };
}
