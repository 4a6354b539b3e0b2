/**
 * Runs lib/edge/playback-edge.js (a CloudFront Function, cloudfront-js-2.0) in Node: the `cloudfront`
 * module is replaced by a stub whose KeyValueStore is a Map and which records origin selection; the
 * function's own code runs unchanged apart from its import line.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

export interface EdgeRequest {
  uri: string;
  querystring: Record<string, { value: string }>;
  headers: Record<string, { value: string }>;
}
export type EdgeResult = EdgeRequest | { statusCode: number; headers: Record<string, { value: string }>; body: string };

export interface EdgeHarness {
  kvs: Map<string, string>;
  selectedOrigin(): string | undefined;
  run(uri: string, options?: { token?: string; origin?: string }): Promise<EdgeResult>;
}

const SOURCE = readFileSync(new URL('../../lib/edge/playback-edge.js', import.meta.url), 'utf8');

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
  return {
    kvs,
    selectedOrigin: () => selected,
    run: async (uri, options = {}) => {
      selected = undefined;
      const request: EdgeRequest = { uri, querystring: options.token ? { token: { value: options.token } } : {}, headers: options.origin ? { origin: { value: options.origin } } : {} };
      return handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' }, request });
    },
  };
}
