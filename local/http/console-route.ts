/**
 * Serves the web console at `/console/` and the public watch page at `/watch/{streamId}` from the local
 * plane, and redirects `/` to the console. The bundle is built by esbuild when the plane starts (cached
 * under the data dir, so later starts reuse it); until it is ready the console answers 503 with a
 * Retry-After, and if it cannot be built (esbuild missing) a problem that says how to fix it — the rest of
 * the plane runs either way. `config.json` tells the app where the API and playback are (same origin).
 *
 * Must never: put anything but the built files, index.html and config.json on the wire (no path from the
 * request reaches the filesystem), or let the console (which holds a token) be framed by another site;
 * only the watch page may be embedded.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { buildConsole } from '../../console/build';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { sendProblem, type Route } from './plane-http-server';

export const CONSOLE_PATH = '/console/';

export interface ConsoleRouteOptions {
  /** Where built bundles are cached (e.g. `<dataDir>/console`). */
  cacheDir: string;
  /** Base URL of playback (HLS); the watch page plays `<playbackBase>/live/<id>/master.m3u8`. */
  playbackBase: string;
  /** Where the console finds `/v1`; '' = the same origin. */
  apiBase?: string;
  logger?: Logger;
  /** Builds the bundle (tests inject failures). @default buildConsole */
  build?: (cacheDir: string) => Promise<{ dir: string; hash: string; cached: boolean }>;
}

export interface ConsoleRoute {
  route: Route;
  /** Settles when the bundle is ready or failed (never rejects). */
  ready: Promise<void>;
}

interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

const WATCH = /^\/watch\/[a-z]{2,4}_[A-Za-z0-9]{1,64}\/?$/;

export function createConsoleRoute(options: ConsoleRouteOptions): ConsoleRoute {
  const logger = options.logger ?? silentLogger;
  let assets: Map<string, Asset> | undefined;
  let etag = '';
  let failure: string | undefined;
  const build = options.build ?? buildConsole;
  const config = Buffer.from(JSON.stringify({ apiBase: options.apiBase ?? '', playbackBase: options.playbackBase.replace(/\/+$/, '') }));

  const ready = (async () => {
    try {
      const built = await build(options.cacheDir);
      const loaded = new Map<string, Asset>();
      for (const [name, type] of Object.entries(TYPES)) loaded.set(name, { body: await readFile(join(built.dir, name)), type });
      etag = `"${built.hash}"`;
      assets = loaded;
      logger.info('console: ready', { cached: built.cached, bytes: [...loaded.values()].reduce((n, a) => n + a.body.length, 0) });
    } catch (err) {
      const missing = err instanceof Error && /Cannot find (module|package) 'esbuild'/.test(err.message);
      failure = missing
        ? 'The console is bundled by esbuild, which is not installed. Run `npm ci` (with dev dependencies) and restart the plane.'
        : 'The console could not be built; see the plane log.';
      logger.error('console: build failed', { error: err instanceof Error ? err : String(err) });
    }
  })();

  const playbackOrigin = originOf(options.playbackBase);
  const apiOrigin = options.apiBase ? originOf(options.apiBase) : '';
  const sources = (extra: string) => ["'self'", extra].filter(Boolean).join(' ');
  const csp = (frameAncestors: string) =>
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      // Thumbnails (the stream page's, the watch page's poster) come from the playback origin.
      `img-src ${sources(playbackOrigin)} data: blob:`,
      `media-src ${sources(playbackOrigin)} blob:`,
      `connect-src ${sources([playbackOrigin, apiOrigin].filter(Boolean).join(' '))}`,
      'worker-src blob:',
      "base-uri 'none'",
      "form-action 'self'",
      `frame-ancestors ${frameAncestors}`,
    ].join('; ');

  const route: Route = async (req, res, url) => {
    const path = url.pathname;
    const isWatch = WATCH.test(path);
    if (path === '/') return redirect(res, CONSOLE_PATH);
    if (path === '/console') return redirect(res, CONSOLE_PATH);
    if (!path.startsWith(CONSOLE_PATH) && !isWatch) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendProblem(res, 405, 'method_not_allowed', 'Method Not Allowed', `${req.method ?? '?'} is not allowed here; use GET.`);
      return true;
    }
    if (path === '/console/config.json') {
      send(res, req.method, { body: config, type: 'application/json' }, { 'cache-control': 'no-store' });
      return true;
    }
    if (!assets) {
      if (failure) sendProblem(res, 503, 'unavailable', 'Console unavailable', failure);
      else {
        res.setHeader('retry-after', '1');
        sendProblem(res, 503, 'unavailable', 'Console starting', 'The console is being built; try again in a moment.');
      }
      return true;
    }
    const name = path === '/console/app.js' ? 'app.js' : path === '/console/app.css' ? 'app.css' : 'index.html';
    // Unknown files under /console/ that look like files are 404s, not the app (a broken link shows as such).
    if (name === 'index.html' && !isWatch && /\.[a-z0-9]{1,5}$/i.test(path)) {
      sendProblem(res, 404, 'not_found', 'Not Found', 'No such file in the console.');
      return true;
    }
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'cache-control': 'no-cache' });
      res.end();
      return true;
    }
    const headers: Record<string, string> = { etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    if (name === 'index.html') {
      // The console holds a token: never framed. The watch page is meant to be embedded anywhere.
      headers['content-security-policy'] = csp(isWatch ? '*' : "'none'");
      if (!isWatch) headers['x-frame-options'] = 'DENY';
    }
    send(res, req.method, assets.get(name)!, headers);
    return true;
  };

  return { route, ready };
}

function send(res: ServerResponse, method: string | undefined, asset: Asset, headers: Record<string, string>): void {
  res.writeHead(200, { 'content-type': asset.type, 'content-length': String(asset.body.length), ...headers });
  res.end(method === 'HEAD' ? undefined : asset.body);
}

function redirect(res: ServerResponse, location: string): true {
  res.writeHead(302, { location, 'cache-control': 'no-store' });
  res.end();
  return true;
}

function originOf(base: string): string {
  try {
    return new URL(base).origin;
  } catch {
    return '';
  }
}
