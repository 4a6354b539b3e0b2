/**
 * The simulcast target model: where a relay publishes a live stream (`rtmp://`, `rtmps://`, `srt://`),
 * whether it is enabled, and the relay's last known status. The stream key is held only as an opaque
 * ciphertext (`encryptedKey`); the view handed to callers has no field for it.
 *
 * Must never: put the plaintext key, or its ciphertext, into a view, an event or an error message.
 */

export const TARGET_STATUSES = ['idle', 'starting', 'broadcasting', 'errored'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

export const TARGET_SCHEMES = ['rtmp:', 'rtmps:', 'srt:'] as const;
export type TargetScheme = (typeof TARGET_SCHEMES)[number];

/** Default cap on targets per stream (STREAMPLANE_MAX_SIMULCAST_TARGETS / SIMULCAST_MAX_TARGETS change it). */
export const DEFAULT_MAX_TARGETS_PER_STREAM = 10;
export const MAX_TARGET_NAME_LENGTH = 100;
export const MAX_STREAM_KEY_LENGTH = 512;

export interface SimulcastTarget {
  id: string;
  streamId: string;
  name: string;
  /** The server URL as given (normalised), without the key. */
  url: string;
  /** Opaque output of the KeyCipher; absent when the target has no key. */
  encryptedKey?: string;
  enabled: boolean;
  status: TargetStatus;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
}

/** What the API answers: never the key, never its ciphertext. */
export interface SimulcastTargetView {
  id: string;
  streamId: string;
  name: string;
  url: string;
  enabled: boolean;
  /** Whether a stream key is stored (the key itself is write-only). */
  hasStreamKey: boolean;
  status: TargetStatus;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
}

export function toTargetView(target: SimulcastTarget): SimulcastTargetView {
  return {
    id: target.id,
    streamId: target.streamId,
    name: target.name,
    url: target.url,
    enabled: target.enabled,
    hasStreamKey: target.encryptedKey !== undefined,
    status: target.status,
    ...(target.lastError ? { lastError: target.lastError } : {}),
    createdAt: target.createdAt,
    updatedAt: target.updatedAt,
  };
}

/** A name for a target created without one: the URL's host. */
export function defaultTargetName(url: string): string {
  try {
    return new URL(url).host.slice(0, MAX_TARGET_NAME_LENGTH) || 'target';
  } catch {
    return 'target';
  }
}

/**
 * The URL the relay publishes to, the way OBS pairs a server and a key: `server` + `/` + `key`
 * (one slash between them, whatever the server ends with). Secret-bearing: only the relay runner calls it.
 */
export function composeTargetUrl(server: string, streamKey?: string): string {
  if (streamKey === undefined || streamKey === '') return server;
  return `${server.replace(/\/+$/, '')}/${streamKey.replace(/^\/+/, '')}`;
}

/** RTMP's split of a publish URL: the application (connect) and the stream name (publish). */
export interface RtmpEndpoint {
  secure: boolean;
  host: string;
  port: number;
  app: string;
  /** The stream name (the key, with any query string the platform gave it). */
  streamName: string;
  /** What `connect` names as tcUrl: scheme://host[:port]/app. */
  tcUrl: string;
}

/**
 * Splits an rtmp(s) server URL and key into what the RTMP commands carry. The whole server path is the
 * application (`rtmp://a.rtmp.youtube.com/live2` → app `live2`); the key is the stream name. Without a
 * key the URL's last path segment is the stream name. Returns undefined when no stream name is left.
 */
export function rtmpEndpointOf(server: string, streamKey?: string): RtmpEndpoint | undefined {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return undefined;
  }
  const secure = url.protocol === 'rtmps:';
  if (!secure && url.protocol !== 'rtmp:') return undefined;
  const segments = url.pathname.split('/').filter((s) => s !== '');
  let app: string;
  let streamName: string;
  if (streamKey !== undefined && streamKey !== '') {
    app = segments.join('/');
    streamName = streamKey.replace(/^\/+/, '') + url.search;
  } else {
    if (segments.length < 2) return undefined;
    streamName = decodeURIComponent(segments.pop()!) + url.search;
    app = segments.join('/');
  }
  if (app === '' || streamName === '') return undefined;
  const port = url.port === '' ? (secure ? 443 : 1935) : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const tcUrl = `${url.protocol}//${url.host}/${app}`;
  return { secure, host, port, app, streamName, tcUrl };
}
