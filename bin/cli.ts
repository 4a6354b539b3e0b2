/**
 * The `streamplane` command line: `dev` runs the local plane; `streams …` talks to the control API of any
 * plane (local or cloud) with a base URL and a bearer token. Exit code 0 on success, 1 on an API error
 * (its problem detail is printed), 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `Usage: streamplane <command> [options]

Commands:
  dev                                   run the local plane (same as \`npm start\`)
  streams create --name NAME [--no-recording] [--reconnect-window SECONDS]
  streams list [--limit N] [--cursor C]
  streams get ID
  streams update ID [--name NAME] [--recording true|false] [--reconnect-window SECONDS]
  streams reset-key ID
  streams disable ID | enable ID | end ID
  streams delete ID
  events [--stream ID] [--after EVENT_ID] [--limit N]
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

  const path = (suffix = '') => `/v1/streams/${encodeURIComponent(need(id, 'stream id'))}${suffix}`;
  switch (sub) {
    case 'create': {
      const body: Record<string, unknown> = { name: need(values.name, '--name') };
      if (values['no-recording']) body.recording = false;
      const window = intOption(values['reconnect-window'], '--reconnect-window');
      if (window !== undefined) body.reconnectWindowSeconds = window;
      return client.call('POST', '/v1/streams', body);
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
      return client.call('PATCH', path(), body);
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
    async call(method: string, path: string, body?: unknown): Promise<number> {
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
      if (text) process.stdout.write(JSON.stringify(JSON.parse(text), null, 2) + '\n');
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
