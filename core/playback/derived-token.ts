/**
 * The derived playback token: what the origin hands down to media playlists and segments once a viewer
 * token checked out on the master playlist. An HMAC-SHA256 (the plane's playback secret) over the scope
 * (`live/<streamId>` or `recordings/<recordingId>`, the first two segments of the object key), expiry,
 * key id, kind, viewer id and allowed origin, carried as `?token=sp1~…` on every rewritten URI.
 *
 * Why URI rewriting and not a cookie: hls.js (XHR/fetch from another origin) would need
 * `withCredentials` and a non-`*` CORS answer, Safari/AVPlayer and VLC keep cookies inconsistently, and
 * third-party cookie blocking breaks embeds; a query parameter on every URI works everywhere with no
 * player code. Why HMAC and not a second JWT: a CloudFront Function can compute an HMAC (it has no
 * ECDSA), so the edge checks segments without a round trip.
 *
 * Its expiry is the viewer token's (at most seven days), not a few minutes: the player keeps the media
 * playlist URLs it read from the master for the whole session, so a shorter expiry would stop a valid
 * viewer. Key deletion and revocation still apply within seconds because the token carries the key id
 * and viewer id, and both are checked on every request (the edge reads them from its KeyValueStore).
 *
 * This module must stay in step with lib/edge/playback-edge.js (the same algorithm in CloudFront's
 * JavaScript); test/unit/core/playback/derived-token-vectors.ts holds the vectors both are tested with.
 * Must never accept a derived token for a master playlist, or one whose scope is not the request's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { VIEWER_ID_PATTERN } from './playback-key';

export const DERIVED_TOKEN_PREFIX = 'sp1';
export type DerivedKind = 'live' | 'vod';

export interface DerivedClaims {
  /** Epoch seconds. */
  exp: number;
  kid: string;
  kind: DerivedKind;
  viewerId?: string;
  allowedOrigin?: string;
}

export type DerivedRefusal = 'malformed' | 'signature' | 'expired' | 'scope' | 'audience';

/** `live/<id>` or `recordings/<id>` for a key below such a folder, else undefined. */
export function scopeOfKey(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length < 3 || (parts[0] !== 'live' && parts[0] !== 'recordings') || !parts[1]) return undefined;
  return `${parts[0]}/${parts[1]}`;
}

export function mintDerivedToken(secret: Buffer, scope: string, claims: DerivedClaims): string {
  const fields = [String(claims.exp), claims.kid, claims.kind, claims.viewerId ?? '', claims.allowedOrigin ? Buffer.from(claims.allowedOrigin).toString('base64url') : ''];
  return [DERIVED_TOKEN_PREFIX, ...fields, mac(secret, scope, fields)].join('~');
}

export function isDerivedToken(token: string): boolean {
  return token.startsWith(`${DERIVED_TOKEN_PREFIX}~`);
}

/** Checks a derived token for the object `key` at `now`; the caller still checks the key id and viewer. */
export function verifyDerivedToken(secret: Buffer, key: string, token: string, now: Date): { ok: true; claims: DerivedClaims } | { ok: false; reason: DerivedRefusal } {
  const parts = token.split('~');
  if (parts.length !== 7 || parts[0] !== DERIVED_TOKEN_PREFIX) return { ok: false, reason: 'malformed' };
  const [, expText = '', kid = '', kind = '', viewerId = '', origin64 = '', sig = ''] = parts;
  const scope = scopeOfKey(key);
  if (!scope) return { ok: false, reason: 'scope' };
  if (!/^\d{1,12}$/.test(expText) || (kind !== 'live' && kind !== 'vod') || (viewerId !== '' && !VIEWER_ID_PATTERN.test(viewerId))) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(secret, scope, [expText, kid, kind, viewerId, origin64]));
  const given = Buffer.from(sig);
  // A token minted for another scope fails here too: the scope is part of what is signed.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  const exp = Number(expText);
  if (exp <= Math.floor(now.getTime() / 1000)) return { ok: false, reason: 'expired' };
  const file = key.slice(key.lastIndexOf('/') + 1);
  // Master playlists (and the DVR master) need the viewer token itself: it is what gets checked for ES256.
  if (isMasterKey(key)) return { ok: false, reason: 'audience' };
  // Playlists only of the kind the token came from: a live viewer may fetch a recorded stream's segments
  // (they live under recordings/), never the recording's VOD playlists.
  if (file.endsWith('.m3u8') && kind !== (scope.startsWith('live/') ? 'live' : 'vod')) return { ok: false, reason: 'audience' };
  const claims: DerivedClaims = { exp, kid, kind };
  if (viewerId !== '') claims.viewerId = viewerId;
  if (origin64 !== '') claims.allowedOrigin = Buffer.from(origin64, 'base64url').toString('utf8');
  return { ok: true, claims };
}

/** `…/master.m3u8`, or the DVR master `live/<id>/dvr.m3u8` (one level up from the renditions). */
export function isMasterKey(key: string): boolean {
  const parts = key.split('/');
  const file = parts[parts.length - 1];
  return file === 'master.m3u8' || (parts.length === 3 && file === 'dvr.m3u8');
}

function mac(secret: Buffer, scope: string, fields: ReadonlyArray<string>): string {
  return createHmac('sha256', secret).update([DERIVED_TOKEN_PREFIX, scope, ...fields].join('|')).digest('base64url');
}
