/**
 * The `streamplane` command line: `dev` runs the local plane; `streams …` talks to the control API of any
 * plane (local or cloud) with a base URL and a bearer token. Exit code 0 on success, 1 on an API error
 * (its problem detail is printed), 2 on a usage error.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signViewerToken } from '../core/playback/sign-token';
import type { Audience } from '../core/playback/viewer-token';
import { runTargets, TARGETS_USAGE } from './cli-targets';
import { mediaCommand, MediaUsageError } from './cli-media';
import { localPlaneNodeArgs } from './plane-node-flags';

const USAGE = `Usage: streamplane <command> [options]

Commands:
  dev                                   run the local plane (same as \`npm start\`)
  streams create --name NAME [--no-recording] [--reconnect-window SECONDS] [--playback-policy public|signed] [--dvr-window SECONDS] [--latency-mode normal|low]
                 [--source URL | --source-file FILE]
                                        with a source (rtsp://, rtmp://, srt://, http(s)://….m3u8) the stream
                                        pulls its input and has no key; --source-file keeps credentials out of
                                        the process list and shell history
                 [--transcode ladder|passthrough] [--srt-passphrase PASSPHRASE]
                                        prints the stream with its ingest URLs (RTMP, RTMPS, SRT, HTTP)
  streams list [--limit N] [--cursor C]
  streams get ID
  streams update ID [--name NAME] [--recording true|false] [--reconnect-window SECONDS] [--playback-policy public|signed] [--dvr-window SECONDS] [--latency-mode normal|low]
                 [--transcode ladder|passthrough] [--srt-passphrase PASSPHRASE|none]
                 [--fallback MEDIA_ID,… | none] [--order sequential|shuffle] [--slate MEDIA_ID | none]
                 [--reconnect-slate true|false]       channel settings (24/7 fallback playout, slate)
                 [--backup-policy revert|stay] [--backup-revert-seconds N]   backup ingest (docs/backup-ingest.md)
  streams reset-key ID                  a new key, printed with the new ingest URLs
  streams disable ID | enable ID | end ID
  streams start ID                      start pulling a stream created with a source (queued beyond the limit)
  streams stop-pulls                    stop every queued or running pull; prints how many
  streams delete ID
  media upload FILE [--name NAME] [--wait SECONDS]
                                        create a library item, stream FILE to its upload URL, wait for
                                        the probe; prints the item (exit 1 if it failed, with why)
  media list [--limit N] [--cursor C] | media get ID | media delete ID
  events [--stream ID] [--after EVENT_ID] [--limit N]
  playback-keys create [--public-key-file PEM] [--out PRIVATE_KEY_FILE]
                                        new ES256 key (the private key is shown once; with --out it is
                                        written to the file, mode 0600, instead of printed)
  playback-keys list | delete ID
  playback-revocations create --viewer VIEWER_ID [--until ISO_TIME]
  playback-token STREAM_OR_RECORDING_ID --key-file PEM --key-id KEY_ID [--aud live|vod|thumbnail]
                 [--viewer VIEWER_ID] [--origin ORIGIN] [--ttl SECONDS]
                                        sign a viewer token locally (no API call); prints it
  health ID                             the live feed's health (bitrate, fps, keyframes, status, reasons)
  sessions ID [--limit N] [--cursor C]  a stream's publish sessions, newest first
  session SESSION_ID                    one session with its statistics
  nodes                                 ingest nodes and their status
${TARGETS_USAGE}
Options:
  --api-url URL   control API base URL (env STREAMPLANE_API_URL, default http://localhost:$STREAMPLANE_HTTP_PORT or 8080)
  --token TOKEN   API bearer token (env STREAMPLANE_API_TOKEN, else read from $STREAMPLANE_DATA_DIR/api-token)
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'api-url': { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      recording: { type: 'string' },
      'no-recording': { type: 'boolean' },
      'reconnect-window': { type: 'string' },
      transcode: { type: 'string' },
      'srt-passphrase': { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      stream: { type: 'string' },
      after: { type: 'string' },
      'playback-policy': { type: 'string' },
      'dvr-window': { type: 'string' },
      source: { type: 'string' },
      'source-file': { type: 'string' },
      'latency-mode': { type: 'string' },
      'public-key-file': { type: 'string' },
      out: { type: 'string' },
      viewer: { type: 'string' },
      until: { type: 'string' },
      'key-file': { type: 'string' },
      'key-id': { type: 'string' },
      aud: { type: 'string' },
      origin: { type: 'string' },
      ttl: { type: 'string' },
      url: { type: 'string' },
      enabled: { type: 'string' },
      disabled: { type: 'boolean' },
      'key-stdin': { type: 'boolean' },
      'no-key': { type: 'boolean' },
      fallback: { type: 'string' },
      order: { type: 'string' },
      slate: { type: 'string' },
      'reconnect-slate': { type: 'string' },
      'backup-policy': { type: 'string' },
      'backup-revert-seconds': { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, id] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'dev') return runLocalPlane();
  if (command === 'playback-token') {
    // Positionals are [command, id]: the id sits where other commands have their subcommand.
    const subject = sub;
    if (!subject) throw new UsageError('missing stream or recording id');
    const keyFile = values['key-file'];
    if (!keyFile) throw new UsageError('missing --key-file');
    if (!values['key-id']) throw new UsageError('missing --key-id');
    if (values.aud !== undefined && !['live', 'vod', 'thumbnail'].includes(values.aud)) throw new UsageError('--aud must be live, vod or thumbnail');
    const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
    if (!Number.isInteger(ttl) || ttl < 1) throw new UsageError('--ttl must be a whole number of seconds');
    const now = Math.floor(Date.now() / 1000);
    const token = signViewerToken({
      privateKeyPem: readFileSync(keyFile, 'utf8'),
      kid: values['key-id'],
      sub: subject,
      now,
      exp: now + ttl,
      ...(values.aud ? { aud: values.aud as Audience } : {}),
      ...(values.viewer ? { viewerId: values.viewer } : {}),
      ...(values.origin ? { allowedOrigin: values.origin } : {}),
    });
    process.stdout.write(`${token}\n`);
    return 0;
  }

  const client = apiClient(values['api-url'], values.token);
  const need = (value: string | undefined, what: string): string => {
    if (!value) throw new UsageError(`missing ${what}`);
    return value;
  };
  const intOption = (value: string | undefined, what: string): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`${what} must be a whole number`);
    return Number(value);
  };

  if (command === 'events') {
    const query = new URLSearchParams();
    if (values.stream) query.set('streamId', values.stream);
    if (values.after) query.set('after', values.after);
    if (values.limit) query.set('limit', values.limit);
    return client.call('GET', `/v1/events${query.size ? `?${query}` : ''}`);
  }
  if (command === 'playback-keys') {
    if (sub === 'list') return client.call('GET', '/v1/playback-keys');
    if (sub === 'delete') return client.call('DELETE', `/v1/playback-keys/${encodeURIComponent(need(id, 'key id'))}`);
    if (sub !== 'create') throw new UsageError(`unknown playback-keys command: ${sub ?? '(none)'}`);
    const body = values['public-key-file'] ? { publicKey: readFileSync(values['public-key-file'], 'utf8') } : {};
    const out = values.out;
    return client.call('POST', '/v1/playback-keys', body, (created) => {
      const { privateKey, ...rest } = created as { privateKey?: string };
      if (!out || privateKey === undefined) return created;
      writeFileSync(out, privateKey, { mode: 0o600, flag: 'wx' });
      return { ...rest, privateKeyFile: out };
    });
  }
  if (command === 'playback-revocations') {
    if (sub !== 'create') throw new UsageError(`unknown playback-revocations command: ${sub ?? '(none)'}`);
    return client.call('POST', '/v1/playback-revocations', { viewerId: need(values.viewer, '--viewer'), ...(values.until ? { until: values.until } : {}) });
  }
  if (command === 'health') return client.call('GET', `/v1/streams/${encodeURIComponent(need(sub, 'stream id'))}/health`);
  if (command === 'sessions') {
    const query = new URLSearchParams();
    if (values.limit) query.set('limit', values.limit);
    if (values.cursor) query.set('cursor', values.cursor);
    return client.call('GET', `/v1/streams/${encodeURIComponent(need(sub, 'stream id'))}/sessions${query.size ? `?${query}` : ''}`);
  }
  if (command === 'session') return client.call('GET', `/v1/sessions/${encodeURIComponent(need(sub, 'session id'))}`);
  if (command === 'nodes') return client.call('GET', '/v1/nodes');
  if (command === 'targets') {
    const targetArgs = { sub, streamId: id, targetId: positionals[3], url: values.url, name: values.name, enabled: values.enabled, disabled: values.disabled };
    const keyArgs = { keyFile: values['key-file'], keyStdin: values['key-stdin'], noKey: values['no-key'] };
    return runTargets({ ...targetArgs, ...keyArgs }, (method, path, body) => client.call(method, path, body), (message) => new UsageError(message));
  }
  if (command === 'media') {
    const wait = intOption(values.wait, '--wait');
    return mediaCommand(client, sub, id, { ...(values.name ? { name: values.name } : {}), ...(values.limit ? { limit: values.limit } : {}), ...(values.cursor ? { cursor: values.cursor } : {}), ...(wait !== undefined ? { timeoutSeconds: wait } : {}) });
  }
  if (command !== 'streams') throw new UsageError(`unknown command: ${command}`);
  const playbackSettings = (body: Record<string, unknown>) => {
    if (values['playback-policy'] !== undefined) {
      if (!['public', 'signed'].includes(values['playback-policy'])) throw new UsageError('--playback-policy must be public or signed');
      body.playbackPolicy = values['playback-policy'];
    }
    const dvr = intOption(values['dvr-window'], '--dvr-window');
    if (dvr !== undefined) body.dvrWindowSeconds = dvr;
    if (values.transcode !== undefined) {
      if (!['ladder', 'passthrough'].includes(values.transcode)) throw new UsageError('--transcode must be ladder or passthrough');
      body.transcode = values.transcode;
    }
    if (values['srt-passphrase'] !== undefined) body.srtPassphrase = values['srt-passphrase'] === 'none' ? null : values['srt-passphrase'];
    return channelSettings(body);
  };
  const channelSettings = (body: Record<string, unknown>) => {
    if (values.order !== undefined && !['sequential', 'shuffle'].includes(values.order)) throw new UsageError('--order must be sequential or shuffle');
    if (values.fallback !== undefined) {
      body.fallback = values.fallback === 'none' ? null : { mediaIds: values.fallback.split(',').map((v) => v.trim()).filter(Boolean), order: values.order ?? 'sequential' };
    } else if (values.order !== undefined) throw new UsageError('--order goes with --fallback');
    if (values.slate !== undefined) body.slateMediaId = values.slate === 'none' ? null : values.slate;
    if (values['reconnect-slate'] !== undefined) {
      if (!['true', 'false'].includes(values['reconnect-slate'])) throw new UsageError('--reconnect-slate must be true or false');
      body.reconnectSlate = values['reconnect-slate'] === 'true';
    }
    if (values['latency-mode'] !== undefined) {
      if (!['normal', 'low'].includes(values['latency-mode'])) throw new UsageError('--latency-mode must be normal or low');
      body.latencyMode = values['latency-mode'];
    }
    if (values['backup-policy'] !== undefined) {
      if (!['revert', 'stay'].includes(values['backup-policy'])) throw new UsageError('--backup-policy must be revert or stay');
      body.backupPolicy = values['backup-policy'];
    }
    const revert = intOption(values['backup-revert-seconds'], '--backup-revert-seconds');
    if (revert !== undefined) body.backupRevertSeconds = revert;
    return body;
  };

  const path = (suffix = '') => `/v1/streams/${encodeURIComponent(need(id, 'stream id'))}${suffix}`;
  switch (sub) {
    case 'create': {
      const body: Record<string, unknown> = { name: need(values.name, '--name') };
      if (values['no-recording']) body.recording = false;
      const window = intOption(values['reconnect-window'], '--reconnect-window');
      if (window !== undefined) body.reconnectWindowSeconds = window;
      if (values.source !== undefined && values['source-file'] !== undefined) throw new UsageError('give --source or --source-file, not both');
      const source = values['source-file'] !== undefined ? readFileSync(values['source-file'], 'utf8').split(/\r?\n/)[0]?.trim() : values.source;
      if (source !== undefined) body.source = { url: need(source || undefined, '--source') };
      return client.call('POST', '/v1/streams', playbackSettings(body));
    }
    case 'list': {
      const query = new URLSearchParams();
      if (values.limit) query.set('limit', values.limit);
      if (values.cursor) query.set('cursor', values.cursor);
      return client.call('GET', `/v1/streams${query.size ? `?${query}` : ''}`);
    }
    case 'get':
      return client.call('GET', path());
    case 'update': {
      const body: Record<string, unknown> = {};
      if (values.name !== undefined) body.name = values.name;
      if (values.recording !== undefined) {
        if (!['true', 'false'].includes(values.recording)) throw new UsageError('--recording must be true or false');
        body.recording = values.recording === 'true';
      }
      const window = intOption(values['reconnect-window'], '--reconnect-window');
      if (window !== undefined) body.reconnectWindowSeconds = window;
      return client.call('PATCH', path(), playbackSettings(body));
    }
    case 'reset-key':
      return client.call('POST', path('/reset-key'));
    case 'disable':
    case 'enable':
    case 'end':
    case 'start':
      return client.call('POST', path(`/${sub}`));
    case 'stop-pulls':
      return client.call('POST', '/v1/streams/stop-pulls');
    case 'delete':
      return client.call('DELETE', path());
    default:
      throw new UsageError(`unknown streams command: ${sub ?? '(none)'}`);
  }
}

function apiClient(apiUrl: string | undefined, token: string | undefined) {
  const base = (apiUrl ?? process.env.STREAMPLANE_API_URL ?? `http://localhost:${process.env.STREAMPLANE_HTTP_PORT ?? '8080'}`).replace(/\/+$/, '');
  const bearer = token ?? process.env.STREAMPLANE_API_TOKEN ?? readLocalToken();
  return {
    base,
    bearer,
    async call(method: string, path: string, body?: unknown, transform: (json: unknown) => unknown = (json) => json): Promise<number> {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (bearer) headers.authorization = `Bearer ${bearer}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(base + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      } catch (err) {
        process.stderr.write(`streamplane: cannot reach ${base}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}\n`);
        return 1;
      }
      const text = await response.text();
      if (!response.ok) {
        let detail = text;
        try {
          const problem = JSON.parse(text) as { code?: string; detail?: string; title?: string };
          detail = `${problem.code ?? response.status}: ${problem.detail ?? problem.title ?? ''}`;
        } catch {
          /* not JSON: print as is */
        }
        process.stderr.write(`streamplane: ${method} ${path} failed (${response.status}) ${detail}\n`);
        return 1;
      }
      if (text) process.stdout.write(JSON.stringify(transform(JSON.parse(text)), null, 2) + '\n');
      return 0;
    },
  };
}

function readLocalToken(): string | undefined {
  try {
    return readFileSync(join(process.env.STREAMPLANE_DATA_DIR ?? '.streamplane', 'api-token'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * `dev`: the local plane exactly as `npm start` runs it, with its Node flags (bin/plane-node-flags.ts: V8's
 * young generation is sized at start-up, so this process cannot run it itself). Signals are passed on; the
 * plane ignores a repeated one, so a terminal's Ctrl-C reaching both processes stops it once.
 */
async function runLocalPlane(): Promise<number> {
  const child = spawn(process.execPath, localPlaneNodeArgs(), { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return code ?? 128 + (signal ? constants.signals[signal] : 0);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof MediaUsageError || (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`streamplane: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`streamplane: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
