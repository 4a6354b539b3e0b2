/**
 * Verification of viewer tokens: standard compact JWS (any JWT library signs them), ES256 only, header
 * `kid` naming a playback key. Claims: `sub` (stream or recording id), `exp` (required, at most seven
 * days ahead), optional `aud` (`live` | `vod` | `thumbnail`, or an array of them), `viewerId`,
 * `allowedOrigin`, `nbf`, `iat`.
 *
 * Must never: accept `alg` other than ES256 (no `none`, no HS* — an HMAC "signed" with the public key is
 * the classic JWT confusion attack), trust a claim before the signature checked out, or put the token
 * (or any part of it) into a refusal's message.
 */
import { verify as verifySignature, type KeyObject } from 'node:crypto';
import { MAX_TOKEN_LIFETIME_SECONDS, VIEWER_ID_PATTERN } from './playback-key';

export const AUDIENCES = ['live', 'vod', 'thumbnail'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Why a token was refused: stable codes for tests and metrics; the message is safe to show the viewer. */
export type TokenRefusal =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'unknown_key'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'lifetime'
  | 'subject'
  | 'audience'
  | 'revoked'
  | 'origin';

export const REFUSAL_MESSAGES: Readonly<Record<TokenRefusal, string>> = {
  missing: 'This stream needs a playback token (?token=…).',
  malformed: 'The playback token is not a valid JWT.',
  algorithm: 'The playback token must be signed with ES256.',
  unknown_key: 'The playback token is signed by an unknown or deleted key.',
  signature: 'The playback token signature is not valid.',
  expired: 'The playback token has expired.',
  not_yet_valid: 'The playback token is not valid yet.',
  lifetime: 'The playback token must expire at most 7 days ahead.',
  subject: 'The playback token is for another stream or recording.',
  audience: 'The playback token is not valid for this kind of playback.',
  revoked: 'The viewer of this playback token is revoked.',
  origin: 'This page origin is not allowed to play with this token.',
};

export interface ViewerClaims {
  kid: string;
  sub: string;
  exp: number;
  aud?: ReadonlyArray<Audience>;
  viewerId?: string;
  allowedOrigin?: string;
}

export type TokenCheck = { ok: true; claims: ViewerClaims } | { ok: false; reason: TokenRefusal };

export interface VerifyOptions {
  /** The id the request is for (the `sub` the token must name). */
  subject: string;
  /** What the request plays; a token with `aud` must include it. */
  audience: Audience;
  now: Date;
  /** The public key of `kid`, or undefined when there is none (deleted, never existed). */
  key(kid: string): Promise<KeyObject | undefined>;
  /** True when the viewer's tokens are blocked now. */
  isRevoked(viewerId: string): Promise<boolean>;
}

/** Clock skew tolerated for `nbf` and `iat` (seconds); `exp` is exact. */
const LEEWAY_SECONDS = 60;
const MAX_TOKEN_LENGTH = 4096;
const B64URL = /^[A-Za-z0-9_-]*$/;

export async function verifyViewerToken(token: string | undefined, options: VerifyOptions): Promise<TokenCheck> {
  if (token === undefined || token === '') return refuse('missing');
  const parsed = parseJws(token);
  if (!parsed) return refuse('malformed');
  const { header, payload, signingInput, signature } = parsed;
  if (header.alg !== 'ES256') return refuse('algorithm');
  if (typeof header.kid !== 'string' || header.kid.length > 64) return refuse('unknown_key');
  const key = await options.key(header.kid);
  if (!key) return refuse('unknown_key');
  // ES256 signatures are the 64-byte r||s form (RFC 7518 §3.4), not DER.
  if (signature.length !== 64 || !verifySignature('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature)) return refuse('signature');

  const now = Math.floor(options.now.getTime() / 1000);
  const { exp, nbf, iat, sub, aud, viewerId, allowedOrigin } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return refuse('malformed');
  if (exp <= now) return refuse('expired');
  if (exp > now + MAX_TOKEN_LIFETIME_SECONDS + LEEWAY_SECONDS) return refuse('lifetime');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + LEEWAY_SECONDS)) return refuse('not_yet_valid');
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + LEEWAY_SECONDS)) return refuse('not_yet_valid');
  if (sub !== options.subject) return refuse('subject');
  const audiences = audienceList(aud);
  if (audiences === 'invalid') return refuse('malformed');
  if (audiences && !audiences.includes(options.audience)) return refuse('audience');
  if (viewerId !== undefined && (typeof viewerId !== 'string' || !VIEWER_ID_PATTERN.test(viewerId))) return refuse('malformed');
  if (allowedOrigin !== undefined && (typeof allowedOrigin !== 'string' || !isOrigin(allowedOrigin))) return refuse('malformed');
  if (viewerId !== undefined && (await options.isRevoked(viewerId))) return refuse('revoked');

  const claims: ViewerClaims = { kid: header.kid, sub, exp };
  if (audiences) claims.aud = audiences;
  if (viewerId !== undefined) claims.viewerId = viewerId;
  if (allowedOrigin !== undefined) claims.allowedOrigin = allowedOrigin;
  return { ok: true, claims };
}

/** `https://example.com` or `http://localhost:3000`: scheme, host, optional port, nothing else. */
export function isOrigin(value: string): boolean {
  if (value.length > 256) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function refuse(reason: TokenRefusal): TokenCheck {
  return { ok: false, reason };
}

function audienceList(aud: unknown): ReadonlyArray<Audience> | undefined | 'invalid' {
  if (aud === undefined) return undefined;
  const list = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => (AUDIENCES as ReadonlyArray<unknown>).includes(a))) return 'invalid';
  return list as Audience[];
}

interface ParsedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown> & { sub?: unknown };
  signingInput: Buffer;
  signature: Buffer;
}

function parseJws(token: string): (ParsedJws & { payload: { sub: string } }) | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return undefined;
  const [h = '', p = '', s = ''] = parts;
  const header = decodeJson(h);
  const payload = decodeJson(p);
  if (!header || !payload || typeof payload.sub !== 'string') return undefined;
  // `crit` names extensions we would have to understand; we understand none.
  if (header.crit !== undefined) return undefined;
  return { header, payload: payload as Record<string, unknown> & { sub: string }, signingInput: Buffer.from(`${h}.${p}`), signature: Buffer.from(s, 'base64url') };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
