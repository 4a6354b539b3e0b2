/**
 * Configuration of the ll-playlist Lambda, read once per cold start and validated (the key is named in
 * the error). The only module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { bucketName, parseEnv, type Env } from '../shared/config';

export interface LlPlaylistConfig {
  mediaBucket: string;
}

const schema = z.object({ MEDIA_BUCKET: bucketName });

export function loadLlPlaylistConfig(env: Env = process.env): LlPlaylistConfig {
  return { mediaBucket: parseEnv(schema, env).MEDIA_BUCKET };
}
