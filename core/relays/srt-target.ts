/**
 * How an `srt://` simulcast target and its stream key become what the SRT caller needs. SRT ingest
 * services (and this plane's own SRT ingest) identify a publish by its `streamid`, so the key is the
 * streamid — the SRT counterpart of RTMP's "/streamKey appended". A service that also wants a passphrase
 * is given both in the key as a query string, the way such services print them:
 * `streamid=live/abc&passphrase=0123456789` (either part may be left out). The URL itself (shown in every
 * listing) may carry only plain settings (`latency`, `mode=caller`…); a `passphrase` in it is refused,
 * and a `streamid` in it is used only when no key is given.
 *
 * Must never: put the streamid or the passphrase into a message, or do I/O.
 */

export interface SrtEndpoint {
  kind: 'srt';
  host: string;
  port: number;
  /** The key (secret-bearing). */
  streamId?: string;
  /** Secret. */
  passphrase?: string;
  /** SRT latency (ms) from the URL's `latency`, when given. */
  latencyMs?: number;
}

/** SRT's own limits: libsrt refuses a passphrase outside 10–79 characters and a streamid over 512. */
const PASSPHRASE = { min: 10, max: 79 };
const MAX_STREAM_ID = 512;
const KEY_AS_QUERY = /^(streamid|passphrase)=/;

export type SrtEndpointCheck = { ok: true; endpoint: SrtEndpoint } | { ok: false; message: string };

/** Checks the settings an srt:// target URL may carry (no secrets: it is shown in every listing). */
export function checkSrtTargetQuery(server: string): { ok: true } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return { ok: false, message: 'The URL is not a valid absolute URL.' };
  }
  if (url.searchParams.has('passphrase')) return { ok: false, message: 'An srt:// URL is shown in every listing: give the passphrase in `streamKey` (`streamid=…&passphrase=…`), not in the URL.' };
  const mode = url.searchParams.get('mode');
  if (mode !== null && mode !== 'caller') return { ok: false, message: 'A simulcast relay is an SRT caller: `mode` may only be `caller`.' };
  const latency = url.searchParams.get('latency');
  if (latency !== null && !/^\d{1,5}$/.test(latency)) return { ok: false, message: '`latency` must be a number of milliseconds.' };
  return { ok: true };
}

/** The SRT caller's destination: host, port, streamid and passphrase from the URL and the key. */
export function srtEndpointOf(server: string, streamKey?: string): SrtEndpointCheck {
  const query = checkSrtTargetQuery(server);
  if (!query.ok) return query;
  const url = new URL(server);
  if (url.protocol !== 'srt:' || url.port === '') return { ok: false, message: 'An srt:// URL must name a host and a port.' };
  let streamId = url.searchParams.get('streamid') ?? undefined;
  let passphrase: string | undefined;
  if (streamKey !== undefined && streamKey !== '') {
    if (KEY_AS_QUERY.test(streamKey)) {
      const parts = new URLSearchParams(streamKey);
      const unknown = [...parts.keys()].filter((k) => k !== 'streamid' && k !== 'passphrase');
      if (unknown.length > 0) return { ok: false, message: 'An SRT stream key given as a query string may hold only `streamid` and `passphrase`.' };
      streamId = parts.get('streamid') ?? streamId;
      passphrase = parts.get('passphrase') ?? undefined;
    } else {
      streamId = streamKey;
    }
  }
  if (streamId !== undefined && streamId.length > MAX_STREAM_ID) return { ok: false, message: `An SRT streamid may be at most ${MAX_STREAM_ID} characters.` };
  if (passphrase !== undefined && (passphrase.length < PASSPHRASE.min || passphrase.length > PASSPHRASE.max)) {
    return { ok: false, message: `An SRT passphrase must be ${PASSPHRASE.min} to ${PASSPHRASE.max} characters.` };
  }
  const latency = url.searchParams.get('latency');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    ok: true,
    endpoint: {
      kind: 'srt',
      host,
      port: Number(url.port),
      ...(streamId !== undefined && streamId !== '' ? { streamId } : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
      ...(latency !== null ? { latencyMs: Number(latency) } : {}),
    },
  };
}
