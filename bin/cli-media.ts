/**
 * `streamplane media …`: the media library from the command line. `upload FILE` creates an item, PUTs
 * the file to its upload URL as a stream (the plane's signed URL locally, a presigned S3 URL in the cloud;
 * never read into memory whole), waits until the probe settled it and prints the item: exit 0 when
 * `ready`, 1 when `failed` (its `error` says why). `list`, `get ID`, `delete ID` call the API.
 */
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';

export interface CliApi {
  base: string;
  bearer: string | undefined;
  call(method: string, path: string, body?: unknown): Promise<number>;
}

export class MediaUsageError extends Error {
  override readonly name = 'UsageError';
}

export async function mediaCommand(api: CliApi, sub: string | undefined, arg: string | undefined, options: { name?: string; limit?: string; cursor?: string; timeoutSeconds?: number }): Promise<number> {
  switch (sub) {
    case 'upload':
      if (!arg) throw new MediaUsageError('missing FILE');
      return upload(api, arg, options.name ?? basename(arg), (options.timeoutSeconds ?? 600) * 1000);
    case 'list': {
      const query = new URLSearchParams();
      if (options.limit) query.set('limit', options.limit);
      if (options.cursor) query.set('cursor', options.cursor);
      return api.call('GET', `/v1/media${query.size ? `?${query}` : ''}`);
    }
    case 'get':
      if (!arg) throw new MediaUsageError('missing media id');
      return api.call('GET', `/v1/media/${encodeURIComponent(arg)}`);
    case 'delete':
      if (!arg) throw new MediaUsageError('missing media id');
      return api.call('DELETE', `/v1/media/${encodeURIComponent(arg)}`);
    default:
      throw new MediaUsageError(`unknown media command: ${sub ?? '(none)'}`);
  }
}

interface Item {
  id: string;
  status: string;
  error?: string;
  upload?: { url: string; method: string };
}

async function upload(api: CliApi, file: string, name: string, timeoutMs: number): Promise<number> {
  let size: number;
  try {
    const info = statSync(file);
    if (!info.isFile()) throw new MediaUsageError(`${file} is not a file`);
    size = info.size;
  } catch (err) {
    if (err instanceof MediaUsageError) throw err;
    throw new MediaUsageError(`cannot read ${file}`);
  }
  const created = await json<Item>(api, 'POST', '/v1/media', { name });
  if (!created.ok) return fail(`POST /v1/media failed (${created.status}) ${created.detail}`);
  const item = created.body;
  process.stderr.write(`streamplane: uploading ${file} (${size} bytes) as ${item.id}\n`);
  const put = await putFile(item.upload!.url, file, size);
  if (put.status < 200 || put.status > 299) return fail(`upload failed (${put.status}) ${problemDetail(put.text)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await json<Item>(api, 'GET', `/v1/media/${item.id}`);
    if (!current.ok) return fail(`GET /v1/media/${item.id} failed (${current.status}) ${current.detail}`);
    if (current.body.status !== 'uploading') {
      process.stdout.write(JSON.stringify(current.body, null, 2) + '\n');
      return current.body.status === 'ready' ? 0 : 1;
    }
    if (Date.now() > deadline) return fail(`${item.id} was not probed within ${Math.round(timeoutMs / 1000)} s; check it later with \`streamplane media get ${item.id}\``);
    // Polling an API, not synchronising a test: the probe reads the whole file.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function putFile(url: string, file: string, size: number): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'PUT', headers: { 'content-length': String(size) } }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    createReadStream(file).on('error', (err) => req.destroy(err)).pipe(req);
  });
}

async function json<T>(api: CliApi, method: string, path: string, body?: unknown): Promise<{ ok: true; body: T } | { ok: false; status: number; detail: string }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (api.bearer) headers.authorization = `Bearer ${api.bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(api.base + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  if (!response.ok) return { ok: false, status: response.status, detail: problemDetail(text) };
  return { ok: true, body: JSON.parse(text) as T };
}

function problemDetail(text: string): string {
  try {
    const problem = JSON.parse(text) as { code?: string; detail?: string };
    return `${problem.code ?? ''}: ${problem.detail ?? ''}`;
  } catch {
    return text.slice(0, 200);
  }
}

function fail(message: string): number {
  process.stderr.write(`streamplane: ${message}\n`);
  return 1;
}
