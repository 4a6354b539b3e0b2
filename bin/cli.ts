/**
 * The `streamplane` command line: `dev` runs the local plane; `streams …` talks to the control API of any
 * plane (local or cloud) with a base URL and a bearer token. Exit code 0 on success, 1 on an API error
 * (its problem detail is printed), 2 on a usage error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signViewerToken } from '../core/playback/sign-token';
import type { Audience } from '../core/playback/viewer-token';

const USAGE = `Usage: streamplane <command> [options]

Commands:
  dev                                   run the local plane (same as \`npm start\`)
  streams create --name NAME [--no-recording] [--reconnect-window SECONDS] [--playback-policy public|signed] [--dvr-window SECONDS] [--latency-mode normal|low]
  streams list [--limit N] [--cursor C]
  streams get ID
  streams update ID [--name NAME] [--recording true|false] [--reconnect-window SECONDS] [--playback-policy public|signed] [--dvr-window SECONDS] [--latency-mode normal|low]
  streams reset-key ID
  streams disable ID | enable ID | end ID
  streams delete ID
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
      limit: { type: 'string' },
      cursor: { type: 'string' },
      stream: { type: 'string' },
      after: { type: 'string' },
      'playback-policy': { type: 'string' },
      'dvr-window': { type: 'string' },
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, id] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'dev') {
    await import('./local-plane');
    return -1; // keeps running until a signal
  }
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
  if (command !== 'streams') throw new UsageError(`unknown command: ${command}`);
  const playbackSettings = (body: Record<string, unknown>) => {
    if (values['playback-policy'] !== undefined) {
      if (!['public', 'signed'].includes(values['playback-policy'])) throw new UsageError('--playback-policy must be public or signed');
      body.playbackPolicy = values['playback-policy'];
    }
    const dvr = intOption(values['dvr-window'], '--dvr-window');
    if (dvr !== undefined) body.dvrWindowSeconds = dvr;
    if (values['latency-mode'] !== undefined) {
      if (!['normal', 'low'].includes(values['latency-mode'])) throw new UsageError('--latency-mode must be normal or low');
      body.latencyMode = values['latency-mode'];
    }
    return body;
  };

  const path = (suffix = '') => `/v1/streams/${encodeURIComponent(need(id, 'stream id'))}${suffix}`;
  switch (sub) {
    case 'create': {
      const body: Record<string, unknown> = { name: need(values.name, '--name') };
      if (values['no-recording']) body.recording = false;
      const window = intOption(values['reconnect-window'], '--reconnect-window');
      if (window !== undefined) body.reconnectWindowSeconds = window;
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
      return client.call('POST', path(`/${sub}`));
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`streamplane: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`streamplane: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
