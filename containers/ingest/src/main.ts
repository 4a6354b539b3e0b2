/**
 * Entry point of the ingest container (ECS Fargate). Reads its configuration, starts the cloud ingest,
 * and on SIGTERM (sent 120 s before the kill) drains: no new publishes, live publishers handed off to other
 * tasks at a keyframe (bounded by STREAMPLANE_DRAIN_SECONDS), sessions flushed to S3, last heartbeat
 * written, protection released.
 */
import { createConsoleLogger } from '../../../adapters/console-logger';
import { loadCloudIngestConfig } from './cloud/cloud-config';
import { startCloudIngest } from './cloud/cloud-ingest';

async function main(): Promise<void> {
  const config = loadCloudIngestConfig(process.env);
  const logger = createConsoleLogger({ level: config.logLevel, format: 'json', base: { service: 'ingest' } });
  const ingest = await startCloudIngest(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('ingest: draining', { signal });
    ingest
      .drain('shutdown')
      .then(() => ingest.stop())
      .then(
        () => {
          logger.info('ingest: stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error('ingest: drain failed', { error: err instanceof Error ? err : String(err) });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`ingest: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
