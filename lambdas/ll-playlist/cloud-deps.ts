/**
 * Cold-start wiring of ll-playlist: S3 reads of the media bucket (live/ only, granted by the stack), a
 * real clock and timer for the bounded wait.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import type { Env } from '../shared/config';
import { loadLlPlaylistConfig } from './config';
import { createLlPlaylistHandler, type LlPlaylistHandler } from './handler';

export async function buildLlPlaylistHandler(env?: Env): Promise<LlPlaylistHandler> {
  const config = loadLlPlaylistConfig(env);
  const objects = new S3ObjectStore({ bucket: config.mediaBucket, client: new S3Client({}) });
  return createLlPlaylistHandler({ objects, sleep: (ms) => sleep(ms).then(() => undefined), now: () => performance.now() });
}
