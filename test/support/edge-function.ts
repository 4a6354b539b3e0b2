/**
 * Runs lib/edge/playback-edge.js (a CloudFront Function, cloudfront-js-2.0) in Node: the `cloudfront`
 * module is replaced by a stub whose KeyValueStore is a Map and which records origin selection; the
 * function's own code runs unchanged apart from its import line. `respond` runs the viewer-response
 * function (lib/edge/playback-edge-response.js) on what the request function let through.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

export interface EdgeRequest {
  uri: string;
  querystring: Record<string, { value: string }>;
  headers: Record<string, { value: string }>;
}
export type EdgeResult = EdgeRequest | { statusCode: number; headers: Record<string, { value: string }>; body: string };

export interface EdgeResponse {
  statusCode: number;
  headers: Record<string, { value: string }>;
}

export interface EdgeHarness {
  kvs: Map<string, string>;
  selectedOrigin(): string | undefined;
  run(uri: string, options?: { token?: string; origin?: string; headers?: Record<string, string> }): Promise<EdgeResult>;
  /** The viewer-response function on `request` (as the request function left it, or as the viewer sent it). */
  respond(request: EdgeRequest, response: EdgeResponse): Promise<EdgeResponse>;
}

const SOURCE = readFileSync(new URL('../../lib/edge/playback-edge.js', import.meta.url), 'utf8');
const RESPONSE_SOURCE = readFileSync(new URL('../../lib/edge/playback-edge-response.js', import.meta.url), 'utf8');

/** A viewer request as CloudFront hands it to a function. */
export function edgeRequest(uri: string, options: { token?: string; origin?: string; headers?: Record<string, string> } = {}): EdgeRequest {
  const headers: Record<string, { value: string }> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name] = { value };
  if (options.origin) headers.origin = { value: options.origin };
  return { uri, querystring: options.token ? { token: { value: options.token } } : {}, headers };
}

export function loadEdgeFunction(now: () => number = Date.now): EdgeHarness {
  const kvs = new Map<string, string>();
  let selected: string | undefined;
  const cf = {
    kvs: () => ({
      get: async (name: string) => {
        const value = kvs.get(name);
        if (value === undefined) throw new Error(`KVS key not found: ${name}`);
        return value;
      },
    }),
    selectRequestOriginById: (id: string) => {
      selected = id;
    },
  };
  const code = SOURCE.replace(/^import cf from 'cloudfront';\n/, '');
  if (code === SOURCE) throw new Error('playback-edge.js must start with the cloudfront import');
  const FakeDate = { now } as unknown as DateConstructor;
  const handler = new Function('cf', 'require', 'Date', 'Buffer', `${code}\nreturn handler;`)(cf, createRequire(import.meta.url), FakeDate, Buffer) as (event: unknown) => Promise<EdgeResult>;
  const responseHandler = new Function(`${RESPONSE_SOURCE}\nreturn handler;`)() as (event: unknown) => Promise<EdgeResponse>;
  return {
    kvs,
    selectedOrigin: () => selected,
    run: async (uri, options = {}) => {
      selected = undefined;
      return handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' }, request: edgeRequest(uri, options) });
    },
    respond: async (request, response) =>
      responseHandler({ version: '1.0', context: { eventType: 'viewer-response' }, viewer: { ip: '192.0.2.1' }, request: structuredClone(request), response: structuredClone(response) }),
  };
}
