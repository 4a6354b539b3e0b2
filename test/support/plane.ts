/**
 * Starts a real local plane in this test process (ports chosen by the OS, data in a temp dir) and gives
 * tests a small API client. `stop` closes everything and removes the data dir unless kept for a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../core/ports/logger';
import { loadPlaneConfig } from '../../containers/ingest/src/config';
import { startLocalPlane, type LocalPlane, type LocalPlaneParts } from '../../local/local-plane';
import { createConsoleLogger } from '../../adapters/console-logger';

export interface TestPlane {
  plane: LocalPlane;
  dataDir: string;
  base: string;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  rtmpUrl(streamKey: string): string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startTestPlane(options: { dataDir?: string; env?: Record<string, string>; parts?: LocalPlaneParts } = {}): Promise<TestPlane> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'streamplane-test-')));
  const config = loadPlaneConfig({
    STREAMPLANE_HTTP_PORT: '0',
    STREAMPLANE_RTMP_PORT: '0',
    // Tests run side by side: SRT on an OS-chosen UDP port (a test that publishes over SRT asks for it).
    STREAMPLANE_SRT_PORT: 'off',
    STREAMPLANE_BIND: '127.0.0.1',
    STREAMPLANE_PUBLIC_HOST: '127.0.0.1',
    STREAMPLANE_DATA_DIR: dataDir,
    STREAMPLANE_API_TOKEN: 'test-token-0123456789abcdef',
    ...options.env,
  });
  const logger = process.env.STREAMPLANE_TEST_LOGS ? createConsoleLogger({ level: 'debug' }) : silentLogger;
  const plane = await startLocalPlane(config, logger, options.parts);
  const base = `http://127.0.0.1:${plane.httpPort}`;
  return {
    plane,
    dataDir,
    base,
    async api(method, path, body, headers = {}) {
      const response = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${plane.apiToken}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never, headers: response.headers };
    },
    rtmpUrl: (streamKey) => `rtmp://127.0.0.1:${plane.rtmpPort}/live/${streamKey}`,
    async stop(stopOptions = {}) {
      await plane.stop();
      if (!stopOptions.keepData && !options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
