/**
 * The CloudFront Function of signed playback (lib/edge/playback-edge.js), run locally against the same
 * vectors as the local origin's check (core): public requests pass untouched, signed masters go to the
 * playback-auth origin, everything else needs a valid derived token, and the token never reaches the
 * cache key or the origin.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { decideAccess } from '../../../core/playback/playback-access';
import { loadEdgeFunction } from '../../support/edge-function';
import { SIGNED_STREAM, VECTOR_NOW, VECTOR_SECRET_HEX, VECTOR_STATE, VECTORS } from '../../support/playback-vectors';

const keyObject = createPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));

describe('playback edge function (CloudFront Functions)', () => {
  const edge = loadEdgeFunction(() => VECTOR_NOW);
  for (const [k, v] of Object.entries(VECTOR_STATE)) edge.kvs.set(k, v);

  for (const vector of VECTORS) {
    it(`${vector.name}: ${vector.expect}`, async () => {
      const result = await edge.run(vector.uri, { ...(vector.token ? { token: vector.token } : {}), ...(vector.origin ? { origin: vector.origin } : {}) });
      if (vector.expect === 'allow') {
        assert.ok('uri' in result, JSON.stringify(result));
        assert.equal(result.querystring.token, undefined, 'the token is stripped before the cache and the origin');
      } else {
        assert.ok('statusCode' in result, `expected a refusal, got ${JSON.stringify(result)}`);
        assert.equal(result.statusCode, 403);
        assert.equal(result.headers['content-type']?.value, 'application/problem+json');
        assert.equal((JSON.parse(result.body) as { reason: string }).reason, vector.expect);
      }
    });
  }

  it('sends signed master playlists to the playback-auth origin and leaves public ones on S3', async () => {
    await edge.run(`/live/${SIGNED_STREAM}/master.m3u8`, { token: 'eyJ.x.y' });
    assert.equal(edge.selectedOrigin(), 'playback-auth');
    await edge.run('/live/st_bbbbbbbbbbbbbbbbbbbb/master.m3u8');
    assert.equal(edge.selectedOrigin(), undefined);
  });
});

describe('the local origin check agrees with the edge on every vector', () => {
  const secret = Buffer.from(VECTOR_SECRET_HEX, 'hex');
  for (const vector of VECTORS) {
    it(`${vector.name}: ${vector.expect}`, async () => {
      const decision = await decideAccess(vector.uri.slice(1), vector.token, vector.origin, {
        policyOf: async (scope) => (VECTOR_STATE[`p:${scope.id}`] === 'signed' ? 'signed' : 'public'),
        key: async (kid) => (VECTOR_STATE[`k:${kid}`] ? keyObject : undefined),
        isRevoked: async (viewer) => Number(VECTOR_STATE[`r:${viewer}`] ?? 0) > VECTOR_NOW / 1000,
        secret,
        now: new Date(VECTOR_NOW),
      });
      // Without a token the local origin tries the viewer-token path, which names the same refusal.
      assert.equal(decision.allow ? 'allow' : decision.reason, vector.expect);
    });
  }
});
