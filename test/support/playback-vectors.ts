/**
 * Test vectors of derived playback tokens, shared by the local origin's check (core) and the CloudFront
 * Function (lib/edge/playback-edge.js): the same edge state, tokens and requests, the same verdicts.
 */
import { mintDerivedToken } from '../../core/playback/derived-token';

export const VECTOR_SECRET_HEX = '7f'.repeat(32);
export const VECTOR_NOW = Date.parse('2026-01-01T00:00:00Z');
const nowS = VECTOR_NOW / 1000;
export const SIGNED_STREAM = 'st_aaaaaaaaaaaaaaaaaaaa';
export const SIGNED_RECORDING = 'rec_aaaaaaaaaaaaaaaaaaaa';
export const PUBLIC_STREAM = 'st_bbbbbbbbbbbbbbbbbbbb';
export const LIVE_KEY = 'pk_aaaaaaaaaaaaaaaaaaaa';
export const DELETED_KEY = 'pk_bbbbbbbbbbbbbbbbbbbb';
export const PAGE_ORIGIN = 'https://watch.example.com';

/** The edge's KeyValueStore (and what the local stores hold): policies, keys, revocations, the secret. */
export const VECTOR_STATE: Record<string, string> = {
  [`p:${SIGNED_STREAM}`]: 'signed',
  [`p:${SIGNED_RECORDING}`]: 'signed',
  [`k:${LIVE_KEY}`]: '1',
  'r:mallory': String(nowS + 3600),
  'r:former': String(nowS - 10),
  secret: VECTOR_SECRET_HEX,
};

const secret = Buffer.from(VECTOR_SECRET_HEX, 'hex');
const live = (scope: string, extra: Partial<{ exp: number; kid: string; viewerId: string; allowedOrigin: string; kind: 'live' | 'vod' }> = {}) =>
  mintDerivedToken(secret, scope, { exp: nowS + 600, kid: LIVE_KEY, kind: 'live', ...extra });
const good = live(`live/${SIGNED_STREAM}`, { viewerId: 'viewer-1' });

export interface Vector {
  name: string;
  uri: string;
  token?: string;
  origin?: string;
  /** `allow`, or the refusal reason. */
  expect: string;
}

export const VECTORS: ReadonlyArray<Vector> = [
  { name: 'public stream, no token', uri: `/live/${PUBLIC_STREAM}/360p/index.m3u8`, expect: 'allow' },
  { name: 'outside media folders', uri: '/console/index.html', expect: 'allow' },
  { name: 'media playlist with a good token', uri: `/live/${SIGNED_STREAM}/360p/index.m3u8`, token: good, expect: 'allow' },
  { name: 'segment with a good token', uri: `/live/${SIGNED_STREAM}/360p/12-1000-0.ts`, token: good, expect: 'allow' },
  { name: 'recorded segment of a live viewer', uri: `/recordings/${SIGNED_RECORDING}/360p/12-1000-0.ts`, token: live(`recordings/${SIGNED_RECORDING}`), expect: 'allow' },
  { name: 'VOD playlist with a live-derived token', uri: `/recordings/${SIGNED_RECORDING}/360p/index.m3u8`, token: live(`recordings/${SIGNED_RECORDING}`), expect: 'audience' },
  { name: 'VOD playlist with a vod-derived token', uri: `/recordings/${SIGNED_RECORDING}/360p/index.m3u8`, token: live(`recordings/${SIGNED_RECORDING}`, { kind: 'vod' }), expect: 'allow' },
  { name: 'no token', uri: `/live/${SIGNED_STREAM}/360p/index.m3u8`, expect: 'missing' },
  { name: 'token of another stream', uri: `/live/${SIGNED_STREAM}/360p/index.m3u8`, token: live('live/st_cccccccccccccccccccc'), expect: 'signature' },
  { name: 'expired', uri: `/live/${SIGNED_STREAM}/360p/1-1000-0.ts`, token: live(`live/${SIGNED_STREAM}`, { exp: nowS - 1 }), expect: 'expired' },
  { name: 'deleted key', uri: `/live/${SIGNED_STREAM}/360p/1-1000-0.ts`, token: live(`live/${SIGNED_STREAM}`, { kid: DELETED_KEY }), expect: 'unknown_key' },
  { name: 'revoked viewer', uri: `/live/${SIGNED_STREAM}/360p/1-1000-0.ts`, token: live(`live/${SIGNED_STREAM}`, { viewerId: 'mallory' }), expect: 'revoked' },
  { name: 'revocation that ran out', uri: `/live/${SIGNED_STREAM}/360p/1-1000-0.ts`, token: live(`live/${SIGNED_STREAM}`, { viewerId: 'former' }), expect: 'allow' },
  { name: 'tampered expiry', uri: `/live/${SIGNED_STREAM}/360p/1-1000-0.ts`, token: good.replace(/^sp1~\d+/, `sp1~${nowS + 999_999}`), expect: 'signature' },
  { name: 'garbage', uri: `/live/${SIGNED_STREAM}/360p/1-1000-0.ts`, token: 'sp1~x~y', expect: 'malformed' },
  { name: 'allowed origin', uri: `/live/${SIGNED_STREAM}/360p/1-1000-0.ts`, token: live(`live/${SIGNED_STREAM}`, { allowedOrigin: PAGE_ORIGIN }), origin: PAGE_ORIGIN, expect: 'allow' },
  { name: 'other page origin', uri: `/live/${SIGNED_STREAM}/360p/1-1000-0.ts`, token: live(`live/${SIGNED_STREAM}`, { allowedOrigin: PAGE_ORIGIN }), origin: 'https://evil.example', expect: 'origin' },
];
