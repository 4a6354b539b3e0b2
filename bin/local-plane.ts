/**
 * `npm start`: runs the whole plane on this machine until SIGINT/SIGTERM, then stops every part
 * (publishers closed, transcoders flushed and stopped, listeners closed, store closed).
 */
import { spawnSync } from 'node:child_process';
import { createConsoleLogger } from '../adapters/console-logger';
import { ConfigError, loadPlaneConfig } from '../containers/ingest/src/config';
import { startLocalPlane } from '../local/local-plane';

// The pinned AWS SDK runs on Node 20; its notice about future releases needing Node 22 is for library
// authors, not for someone starting the plane.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const config = loadPlaneConfig(process.env);
  const logger = createConsoleLogger({ level: config.logLevel, format: config.logFormat });
  for (const tool of [config.ffmpegPath, config.ffprobePath]) {
    const probe = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) {
      throw new ConfigError(`${tool} was not found or does not run. Install it (Debian/Ubuntu: apt-get install ffmpeg, or run bin/setup.sh).`, {
        key: tool === config.ffmpegPath ? 'STREAMPLANE_FFMPEG_PATH' : 'STREAMPLANE_FFPROBE_PATH',
      });
    }
  }
  const plane = await startLocalPlane(config, logger);
  const tokenNote = plane.apiTokenSource === 'env' ? '(from STREAMPLANE_API_TOKEN)' : `(stored in ${config.dataDir}/api-token)`;
  process.stdout.write(
    [
      '',
      'Streamplane local plane is running.',
      `  Web console   ${plane.urls.console}   (sign in with the API token below)`,
      `  RTMP ingest   ${plane.urls.rtmpServer}   (OBS: Settings → Stream → Custom; stream key from the API)`,
      ...(plane.urls.rtmpsServer ? [`  RTMPS ingest  ${plane.urls.rtmpsServer}`] : []),
      ...(plane.urls.srtServer ? [`  SRT ingest    ${plane.urls.srtServer}?streamid=<stream key>   (UDP)`] : []),
      ...(plane.urls.httpIngestBase ? [`  MPEG-TS push  ${plane.urls.httpIngestBase}/<stream key>   (ffmpeg -f mpegts -method PUT URL)`] : []),
      `  Control API   ${plane.urls.api}   (OpenAPI: ${plane.urls.api}/openapi.json)`,
      `  HLS origin    ${plane.urls.playbackBase}/live/<streamId>/master.m3u8`,
      `  Health        http://${config.publicHost}:${plane.httpPort}/healthz`,
      `  API token     ${plane.apiToken}   ${tokenNote}`,
      '',
      `Create a stream:  curl -s -X POST -H "Authorization: Bearer ${plane.apiToken}" -H "Content-Type: application/json" \\`,
      `                    -d '{"name":"my first stream"}' ${plane.urls.api}/streams`,
      '',
    ].join('\n') + '\n',
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('plane: stopping', { signal });
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    plane.stop().then(
      () => {
        logger.info('plane: stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error('plane: stop failed', { error: err instanceof Error ? err : String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`streamplane: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
