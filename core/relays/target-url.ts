/**
 * Which simulcast target URLs are admitted: rtmp://, rtmps:// or srt:// with a host, no credentials, no
 * fragment, and a host that passes the webhook URL policy (core/webhooks/url-policy.ts, reused, not
 * copied: the same address classes, the same cloud/local policies). Non-special schemes are not
 * normalised by WHATWG URL (`rtmp://0x7f.1/` keeps its host as written), so the check runs on the URL
 * with its scheme swapped for https, which normalises the host exactly as webhooks see it.
 *
 * Must never: admit a URL that carries a stream key in user:password form, or do I/O.
 */
import { checkAddress, checkWebhookUrl, type UrlPolicy } from '../webhooks/url-policy';
import { TARGET_SCHEMES, type TargetScheme } from './target';

export type TargetUrlCheck = { ok: true; url: string; scheme: TargetScheme; host: string; literal: boolean } | { ok: false; message: string };

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

export function checkTargetUrl(raw: string, policy: UrlPolicy): TargetUrlCheck {
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (!scheme || !(TARGET_SCHEMES as ReadonlyArray<string>).includes(`${scheme}:`)) {
    return { ok: false, message: 'The URL must start with rtmp://, rtmps:// or srt://.' };
  }
  let original: URL;
  try {
    original = new URL(raw);
  } catch {
    return { ok: false, message: 'The URL is not a valid absolute URL.' };
  }
  if (original.host === '') return { ok: false, message: 'The URL has no host.' };
  const asHttps = `https://${raw.slice(scheme.length + 3)}`;
  const checked = checkWebhookUrl(asHttps, policy);
  if (!checked.ok) return { ok: false, message: reword(checked.violation.message) };
  // https normalises the host (0x7f.1, case, IDN); the port and path are taken as written, because
  // https would drop a :443 that rtmp:// needs.
  if (original.port === '' && scheme === 'srt') return { ok: false, message: 'An srt:// URL must name a port.' };
  const host = checked.url.hostname;
  const url = `${scheme}://${host}${original.port === '' ? '' : `:${original.port}`}${original.pathname}${original.search}`;
  return { ok: true, url, scheme: `${scheme}:` as TargetScheme, host, literal: /^[\d.]+$|^\[/.test(host) };
}

/** Decides one address the host resolved to (registration, and again right before every connection). */
export function checkTargetAddress(address: string, policy: UrlPolicy): { ok: true } | { ok: false; message: string } {
  const decision = checkAddress(address, policy);
  return decision.ok ? { ok: true } : { ok: false, message: reword(decision.violation.message) };
}

function reword(message: string): string {
  return message.replace('http or https', 'rtmp, rtmps or srt').replace('webhooks may not target', 'simulcast targets may not use');
}
