/**
 * The playback policy decision for one request to the HLS origin: public media is served as it always
 * was (no lookup beyond the policy, no rewriting); signed media needs a viewer token (ES256 JWT) on the
 * master playlist and either that or a derived token (derived-token.ts) on everything else, and then
 * playlists are rewritten so every URI in them carries a derived token.
 *
 * Must never: allow a signed object without a token that checked out, answer why in more detail than
 * REFUSAL_MESSAGES, or put a token into anything but rewritten playlist URIs.
 */
import type { KeyObject } from 'node:crypto';
import { resolvePlaylistUri } from '../media/layout';
import { isDerivedToken, mintDerivedToken, scopeOfKey, verifyDerivedToken, type DerivedClaims, type DerivedKind } from './derived-token';
import { verifyViewerToken, type Audience, type TokenRefusal } from './viewer-token';

export const PLAYBACK_POLICIES = ['public', 'signed'] as const;
export type PlaybackPolicy = (typeof PLAYBACK_POLICIES)[number];

export interface MediaScope {
  folder: 'live' | 'recordings';
  /** Stream id under `live/`, recording id under `recordings/`. */
  id: string;
}

export interface AccessDeps {
  /** The policy of a stream (`live/`) or recording (`recordings/`). */
  policyOf(scope: MediaScope): Promise<PlaybackPolicy>;
  key(kid: string): Promise<KeyObject | undefined>;
  isRevoked(viewerId: string): Promise<boolean>;
  /** The derived-token secret. */
  secret: Buffer;
  now: Date;
}

/** What a signed request was granted: everything needed to mint derived tokens for the URIs it serves. */
export type Grant = DerivedClaims;

export type AccessDecision =
  | { allow: true; signed: false }
  | { allow: true; signed: true; grant: Grant }
  | { allow: false; reason: TokenRefusal };

const THUMBNAIL = /\.(jpe?g|png|webp)$/i;

export function mediaScopeOf(key: string): MediaScope | undefined {
  const scope = scopeOfKey(key);
  if (!scope) return undefined;
  const [folder, id = ''] = scope.split('/');
  return { folder: folder as MediaScope['folder'], id };
}

/** `live` under live/, `vod` under recordings/, `thumbnail` for images anywhere. */
export function audienceOfKey(key: string): Audience {
  if (THUMBNAIL.test(key)) return 'thumbnail';
  return key.startsWith('recordings/') ? 'vod' : 'live';
}

export async function decideAccess(key: string, token: string | undefined, requestOrigin: string | undefined, deps: AccessDeps): Promise<AccessDecision> {
  const scope = mediaScopeOf(key);
  // Outside a stream or recording folder there is nothing a policy could protect.
  if (!scope) return { allow: true, signed: false };
  if ((await deps.policyOf(scope)) === 'public') return { allow: true, signed: false };

  let grant: Grant;
  if (token !== undefined && isDerivedToken(token)) {
    const checked = verifyDerivedToken(deps.secret, key, token, deps.now);
    if (!checked.ok) return { allow: false, reason: checked.reason === 'scope' ? 'subject' : checked.reason };
    // The key may have been deleted or the viewer revoked since the master was fetched.
    if (!(await deps.key(checked.claims.kid))) return { allow: false, reason: 'unknown_key' };
    if (checked.claims.viewerId !== undefined && (await deps.isRevoked(checked.claims.viewerId))) return { allow: false, reason: 'revoked' };
    grant = checked.claims;
  } else {
    const audience = audienceOfKey(key);
    const checked = await verifyViewerToken(token, { subject: scope.id, audience, now: deps.now, key: deps.key, isRevoked: deps.isRevoked });
    if (!checked.ok) return { allow: false, reason: checked.reason };
    const kind: DerivedKind = scope.folder === 'live' ? 'live' : 'vod';
    grant = { exp: checked.claims.exp, kid: checked.claims.kid, kind };
    if (checked.claims.viewerId !== undefined) grant.viewerId = checked.claims.viewerId;
    if (checked.claims.allowedOrigin !== undefined) grant.allowedOrigin = checked.claims.allowedOrigin;
  }
  // Browsers enforce CORS on reads, but a page of another origin could still make the player fetch;
  // refusing outright keeps a leaked token useless on other sites.
  if (grant.allowedOrigin !== undefined && requestOrigin !== undefined && requestOrigin !== grant.allowedOrigin) return { allow: false, reason: 'origin' };
  return { allow: true, signed: true, grant };
}

const URI_ATTRIBUTE = /URI="([^"]*)"/g;

/**
 * The playlist at `playlistKey` with a derived token on every URI (variant and media playlists,
 * segments, init sections, parts, preload hints, rendition reports). URIs that point outside any stream
 * or recording folder, or are absolute URLs, are left alone.
 */
export function rewritePlaylist(text: string, playlistKey: string, grant: Grant, secret: Buffer): string {
  const folder = playlistKey.slice(0, playlistKey.lastIndexOf('/') + 1);
  const tokens = new Map<string, string>();
  const withToken = (uri: string): string => {
    const target = resolvePlaylistUri(folder, uri.split('?')[0] ?? uri);
    const scope = target === undefined ? undefined : scopeOfKey(target);
    if (!scope) return uri;
    let token = tokens.get(scope);
    if (token === undefined) {
      token = mintDerivedToken(secret, scope, grant);
      tokens.set(scope, token);
    }
    return `${uri}${uri.includes('?') ? '&' : '?'}token=${token}`;
  };
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) return line.replace(URI_ATTRIBUTE, (_m, uri: string) => `URI="${withToken(uri)}"`);
      return withToken(trimmed);
    })
    .join('\n');
}
