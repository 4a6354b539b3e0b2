/**
 * Viewer tokens as customers sign them (jose): ES256 with `kid` is accepted with its claims; every other
 * algorithm (none, HS256 keyed with the public key — the classic confusion attack), a wrong key, an
 * expired or too long-lived token, another subject or audience, a revoked viewer and bad claims are
 * refused with a stable reason.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { importPKCS8, SignJWT } from 'jose';
import { generatePlaybackKeyPair, registeredPlaybackKey } from '../../../../core/playback/playback-key';
import { verifyViewerToken, type VerifyOptions } from '../../../../core/playback/viewer-token';
import { ValidationError } from '../../../../core/errors';

const now = new Date('2026-01-01T00:00:00Z');
const nowS = now.getTime() / 1000;
const pair = generatePlaybackKeyPair(now);
const other = generatePlaybackKeyPair(now);
const SUB = 'st_aaaaaaaaaaaaaaaaaaaa';

const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  subject: SUB,
  audience: 'live',
  now,
  key: async (kid) => (kid === pair.key.id ? createPublicKey(pair.key.publicKey) : undefined),
  isRevoked: async (viewerId) => viewerId === 'mallory',
  ...extra,
});

async function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}, privatePem = pair.privateKey) {
  return new SignJWT({ sub: SUB, exp: nowS + 600, ...claims }).setProtectedHeader({ alg: 'ES256', kid: pair.key.id, ...header }).sign(await importPKCS8(privatePem, 'ES256'));
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('viewer tokens', () => {
  it('accepts an ES256 token with its claims', async () => {
    const token = await sign({ aud: ['live', 'thumbnail'], viewerId: 'v-1', allowedOrigin: 'https://watch.example.com' });
    assert.deepEqual(await verifyViewerToken(token, options()), {
      ok: true,
      claims: { kid: pair.key.id, sub: SUB, exp: nowS + 600, aud: ['live', 'thumbnail'], viewerId: 'v-1', allowedOrigin: 'https://watch.example.com' },
    });
  });

  const refusals: Array<[string, () => Promise<string>, string, Partial<VerifyOptions>?]> = [
    ['no token', async () => '', 'missing'],
    ['garbage', async () => 'a.b', 'malformed'],
    ['alg none', async () => `${b64({ alg: 'none', kid: pair.key.id })}.${b64({ sub: SUB, exp: nowS + 60 })}.`, 'algorithm'],
    [
      'HS256 keyed with the public key',
      async () => new SignJWT({ sub: SUB, exp: nowS + 60 }).setProtectedHeader({ alg: 'HS256', kid: pair.key.id }).sign(new TextEncoder().encode(pair.key.publicKey)),
      'algorithm',
    ],
    ['unknown kid', async () => sign({}, { kid: other.key.id }), 'unknown_key'],
    ['signed by another key', async () => sign({}, {}, other.privateKey), 'signature'],
    ['expired', async () => sign({ exp: nowS - 1 }), 'expired'],
    ['no exp', async () => sign({ exp: undefined }), 'malformed'],
    ['more than 7 days ahead', async () => sign({ exp: nowS + 8 * 86_400 }), 'lifetime'],
    ['not yet valid', async () => sign({ nbf: nowS + 3600 }), 'not_yet_valid'],
    ['another subject', async () => sign({ sub: 'st_bbbbbbbbbbbbbbbbbbbb' }), 'subject'],
    ['wrong audience', async () => sign({ aud: 'vod' }), 'audience'],
    ['unknown audience', async () => sign({ aud: 'everything' }), 'malformed'],
    ['revoked viewer', async () => sign({ viewerId: 'mallory' }), 'revoked'],
    ['hostile viewer id', async () => sign({ viewerId: 'a b~c' }), 'malformed'],
    ['origin with a path', async () => sign({ allowedOrigin: 'https://watch.example.com/page' }), 'malformed'],
    ['crit header', async () => sign({}, { crit: ['x'], x: 1 }), 'malformed'],
  ];
  for (const [name, make, reason, extra] of refusals) {
    it(`refuses ${name} (${reason})`, async () => {
      let token: string;
      try {
        token = await make();
      } catch {
        return; // jose itself refuses to build it (e.g. crit): nothing to verify
      }
      assert.deepEqual(await verifyViewerToken(token, options(extra)), { ok: false, reason });
    });
  }

  it('registers only P-256 public keys', () => {
    assert.equal(registeredPlaybackKey(pair.key.publicKey, now).source, 'registered');
    assert.throws(() => registeredPlaybackKey(pair.privateKey, now), ValidationError);
    assert.throws(() => registeredPlaybackKey('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----', now), ValidationError);
  });
});
