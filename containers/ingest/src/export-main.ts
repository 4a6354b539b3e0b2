/**
 * Entry point of the MP4 export task (the ingest image, another command): exports the recording named by
 * STREAMPLANE_EXPORT_RECORDING_ID and exits: 0 when the MP4 is stored (or there was nothing to do), 1 when
 * the export failed (the failure is stored on the recording, so the user sees it and may ask again) or the
 * configuration is bad. SIGTERM (Fargate stopping the task) kills ffmpeg; the export then counts as failed.
 */
import { createConsoleLogger } from '../../../adapters/console-logger';
import { loadExportWorkerConfig } from './recordings/export-worker-config';
import { runExportWorker } from './recordings/export-worker';

async function main(): Promise<number> {
  const config = loadExportWorkerConfig(process.env);
  const logger = createConsoleLogger({ level: config.logLevel, format: 'json', base: { service: 'mp4-export' } });
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  const result = await runExportWorker(config, logger, { signal: stop.signal });
  return result.status === 'failed' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`mp4-export: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
    process.exit(1);
  },
);
