/**
 * Real pull sources for tests, each started on a free loopback port and stopped by PID: GStreamer's
 * RTSP server (test/support/peers/rtsp-server.py, optional basic auth), a live HLS source (ffmpeg writing
 * a rolling playlist, served by a small HTTP server), an SRT listener (ffmpeg `mode=listener`) and an
 * RTMP server (ffmpeg `-listen 1`), plus an HTTP server whose `.m3u8` is not media at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { freePort } from './net';
import { waitFor } from './wait';

export interface PullPeer {
  url: string;
  port: number;
  /** The peer's own process, when it is one (tests that scan the plane's processes leave it out). */
  pid?: number;
  stop(): Promise<void>;
}

function killChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** GStreamer's RTSP server with an H.264 + AAC test pattern at rtsp://[user:password@]127.0.0.1:PORT/cam. */
export async function startRtspServer(options: { width?: number; height?: number; user?: string; password?: string; port?: number } = {}): Promise<PullPeer> {
  const port = options.port ?? (await freePort());
  const args = [join(import.meta.dirname, 'peers', 'rtsp-server.py'), String(port), 'cam', String(options.width ?? 320), String(options.height ?? 180)];
  if (options.user && options.password) args.push(options.user, options.password);
  const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  try {
    await waitFor('the RTSP server to listen', () => (child.exitCode !== null ? Promise.reject(new Error(out)) : out.includes('READY')), { timeoutMs: 15_000, intervalMs: 50 });
  } catch (err) {
    await killChild(child);
    throw err;
  }
  const auth = options.user && options.password ? `${options.user}:${options.password}@` : '';
  return { url: `rtsp://${auth}127.0.0.1:${port}/cam`, port, ...(child.pid ? { pid: child.pid } : {}), stop: () => killChild(child) };
}

function serveDir(root: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
      if (!path.startsWith(root)) return void res.writeHead(403).end();
      try {
        await stat(path);
      } catch {
        return void res.writeHead(404).end();
      }
      res.writeHead(200, { 'content-type': path.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t', 'cache-control': 'no-cache' });
      createReadStream(path).pipe(res);
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A live HLS source made by ffmpeg (1 s segments, rolling window), served at http://127.0.0.1:PORT/live.m3u8. */
export async function startHlsSource(options: { width?: number; height?: number } = {}): Promise<PullPeer> {
  const dir = await mkdtemp(join(tmpdir(), 'streamplane-hls-source-'));
  const { width = 320, height = 180 } = options;
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=25`,
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-b:v', '400k',
      '-c:a', 'aac', '-b:a', '64k', '-ar', '48000', '-ac', '2',
      '-f', 'hls', '-hls_time', '1', '-hls_list_size', '6', '-hls_flags', 'delete_segments+omit_endlist', join(dir, 'live.m3u8'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const port = await freePort();
  const server = await serveDir(dir, port);
  const stop = async () => {
    await killChild(child);
    await closeServer(server);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('the HLS source to have segments', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/live.m3u8`);
      return r.status === 200 && (await r.text()).split('\n').filter((l) => l.endsWith('.ts')).length >= 2;
    }, { timeoutMs: 20_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}/live.m3u8`, port, stop };
}

/** An HTTP server whose playlist URL answers HTML (a login page, a wrong link): not media. */
export async function startNonMediaServer(): Promise<PullPeer> {
  const port = await freePort();
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Please log in</body></html>'));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${port}/cam/index.m3u8`, port, stop: () => closeServer(server) };
}

/** ffmpeg as an SRT listener sending MPEG-TS (H.264 + AAC) to the caller that connects: srt://127.0.0.1:PORT. */
export async function startSrtListener(options: { width?: number; height?: number; passphrase?: string } = {}): Promise<PullPeer> {
  const port = await freePort();
  const { width = 320, height = 180 } = options;
  const query = `mode=listener${options.passphrase ? `&passphrase=${options.passphrase}` : ''}`;
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=25`,
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25', '-b:v', '400k',
      '-c:a', 'aac', '-b:a', '64k', '-f', 'mpegts', `srt://127.0.0.1:${port}?${query}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const auth = options.passphrase ? `?passphrase=${options.passphrase}` : '';
  return { url: `srt://127.0.0.1:${port}${auth}`, port, ...(child.pid ? { pid: child.pid } : {}), stop: () => killChild(child) };
}

/** ffmpeg as an RTMP server (`-listen 1`) publishing a test pattern to the one client that plays it: rtmp://127.0.0.1:PORT/live/feed. */
export async function startRtmpServer(options: { width?: number; height?: number } = {}): Promise<PullPeer> {
  const port = await freePort();
  const { width = 320, height = 180 } = options;
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=25`,
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25', '-b:v', '400k',
      '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', '-listen', '1', `rtmp://127.0.0.1:${port}/live/feed`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { url: `rtmp://127.0.0.1:${port}/live/feed`, port, ...(child.pid ? { pid: child.pid } : {}), stop: () => killChild(child) };
}
