/**
 * Pull sources: which URLs a stream may take its input from (rtsp(s)://, rtmp(s)://, srt://, and
 * http(s):// HLS playlists), checked with the webhook URL policy (core/webhooks/url-policy.ts) so a pull
 * never reaches the metadata service or, in the cloud, an internal address. Credentials in the URL (user
 * info, `passphrase=`, `token=`…) are secrets: `maskSourceUrl` is the only form that may leave the
 * registry, and `redactSource` scrubs them from any text (ffmpeg's stderr) before it is logged or stored.
 *
 * Must never: do I/O (the runner resolves names and checks every address), or return a secret part.
 */
import { checkAddress, ipLiteralOf, type UrlPolicy, type UrlViolation } from '../webhooks/url-policy';

export const PULL_SCHEMES = ['rtsp:', 'rtsps:', 'rtmp:', 'rtmps:', 'srt:', 'http:', 'https:'] as const;
export const MAX_SOURCE_URL_LENGTH = 2048;
export const MASK = '***';

/** Query parameters that are plain settings, shown as given; every other value is masked. */
const SAFE_QUERY_PARAMS = new Set(['latency', 'mode', 'transport', 'rtsp_transport', 'timeout', 'maxbw', 'pkt_size', 'rcvlatency', 'peerlatency', 'connect_timeout', 'tlpktdrop']);
const METADATA_NAMES = [/^metadata\.google\.internal\.?$/i, /^metadata(\.azure\.com)?\.?$/i, /^instance-data(\.ec2\.internal)?\.?$/i];
const LOOPBACK_NAMES = [/^localhost\.?$/i, /\.localhost\.?$/i];

export type SourceCheck = { ok: true; url: URL; host: string } | { ok: false; violation: UrlViolation };

/**
 * Checks a pull source URL without resolving it. Non-special schemes (rtsp, srt…) keep their host
 * opaque in WHATWG URL, so the host is normalised as an http URL would be (0x7f.1 → 127.0.0.1) before
 * the address policy looks at it.
 */
export function checkSourceUrl(raw: string, policy: UrlPolicy): SourceCheck {
  const fail = (code: UrlViolation['code'], message: string): SourceCheck => ({ ok: false, violation: { code, message } });
  if (raw.length > MAX_SOURCE_URL_LENGTH) return fail('url_too_long', `The source URL must be at most ${MAX_SOURCE_URL_LENGTH} characters.`);
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return fail('invalid_url', 'The source URL must not contain spaces or control characters.');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('invalid_url', 'The source URL is not a valid absolute URL.');
  }
  if (!(PULL_SCHEMES as ReadonlyArray<string>).includes(url.protocol)) {
    return fail('unsupported_scheme', 'The source URL must use rtsp, rtsps, rtmp, rtmps, srt, or http(s) to an HLS playlist (.m3u8).');
  }
  if (url.hash !== '' || raw.includes('#')) return fail('fragment_in_url', 'The source URL must not contain a fragment (#).');
  if ((url.protocol === 'http:' || url.protocol === 'https:') && !/\.m3u8$/i.test(url.pathname)) {
    return fail('unsupported_scheme', 'An http(s) source must be an HLS playlist (a path ending in .m3u8).');
  }
  let host: string;
  try {
    host = new URL(`http://${url.host}`).hostname;
  } catch {
    return fail('invalid_url', 'The source URL has an invalid host.');
  }
  if (host === '') return fail('invalid_url', 'The source URL has no host.');
  const literal = ipLiteralOf(host);
  if (literal !== undefined) {
    const decision = checkAddress(literal, policy);
    if (!decision.ok) return { ok: false, violation: { code: 'address_not_allowed', message: decision.violation.message.replace('webhooks', 'pull sources') } };
  } else if (METADATA_NAMES.some((p) => p.test(host))) {
    return fail('address_not_allowed', 'The source URL points at a cloud metadata service.');
  } else if (!policy.allowLoopback && LOOPBACK_NAMES.some((p) => p.test(host))) {
    return fail('address_not_allowed', 'The source URL points at this machine or its cloud environment.');
  }
  return { ok: true, url, host };
}

/**
 * The URL as the API shows it: user info replaced by `***`, every query value but plain settings
 * (latency, mode…) replaced by `***`. `rtsp://admin:pw@cam/live?token=x` → `rtsp://***@cam/live?token=***`.
 */
export function maskSourceUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return MASK;
  }
  const userinfo = url.username !== '' || url.password !== '' ? `${MASK}@` : '';
  const query = [...url.searchParams.entries()]
    .map(([name, value]) => `${encodeURIComponent(name)}=${SAFE_QUERY_PARAMS.has(name.toLowerCase()) ? encodeURIComponent(value) : MASK}`)
    .join('&');
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${query ? `?${query}` : ''}`;
}

/** The secret fragments of a source URL, longest first (what `redactSource` removes from text). */
export function sourceSecrets(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [raw];
  }
  const secrets = new Set<string>([raw]);
  for (const part of [url.username, url.password]) {
    if (part === '') continue;
    secrets.add(part);
    try {
      secrets.add(decodeURIComponent(part));
    } catch {
      // A malformed escape is kept as given.
    }
  }
  for (const [name, value] of url.searchParams.entries()) {
    if (value !== '' && !SAFE_QUERY_PARAMS.has(name.toLowerCase())) {
      secrets.add(value);
      secrets.add(encodeURIComponent(value));
    }
  }
  // Very short fragments ("a") would shred ordinary text; they still never appear whole in the URL form.
  return [...secrets].filter((s) => s.length >= 3 || s === raw).sort((a, b) => b.length - a.length);
}

/** `text` with the source URL masked and every secret fragment of it replaced by `***`. */
export function redactSource(text: string, raw: string): string {
  let out = text.split(raw).join(maskSourceUrl(raw));
  for (const secret of sourceSecrets(raw)) if (secret !== raw) out = out.split(secret).join(MASK);
  return out;
}
