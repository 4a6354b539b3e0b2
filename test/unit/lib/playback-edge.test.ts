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
import { edgeRequest, loadEdgeFunction, type EdgeResponse } from '../../support/edge-function';
import { PAGE_ORIGIN, PUBLIC_STREAM, SIGNED_STREAM, VECTOR_NOW, VECTOR_SECRET_HEX, VECTOR_STATE, VECTORS } from '../../support/playback-vectors';

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

describe('playback edge CORS answer (viewer response)', () => {
  const edge = loadEdgeFunction(() => VECTOR_NOW);
  for (const [k, v] of Object.entries(VECTOR_STATE)) edge.kvs.set(k, v);
  const fromS3 = (): EdgeResponse => ({ statusCode: 200, headers: { 'access-control-allow-origin': { value: '*' } } });
  const byName = (name: string) => {
    const vector = VECTORS.find((v) => v.name === name);
    assert.ok(vector?.token, name);
    return vector;
  };

  it("answers a token's allowed origin instead of *, whichever request CloudFront hands the function", async () => {
    const vector = byName('allowed origin');
    const passed = await edge.run(vector.uri, { token: vector.token!, origin: PAGE_ORIGIN });
    assert.ok('uri' in passed);
    for (const request of [passed, edgeRequest(vector.uri, { token: vector.token!, origin: PAGE_ORIGIN })]) {
      const answer = await edge.respond(request, fromS3());
      assert.equal(answer.headers['access-control-allow-origin']?.value, PAGE_ORIGIN);
      assert.equal(answer.headers.vary?.value, 'Origin');
    }
  });

  it('leaves * for tokens without an allowed origin and for public streams', async () => {
    const good = byName('segment with a good token');
    const passed = await edge.run(good.uri, { token: good.token!, origin: PAGE_ORIGIN });
    assert.ok('uri' in passed);
    assert.equal((await edge.respond(passed, fromS3())).headers['access-control-allow-origin']?.value, '*');
    const open = await edge.run(`/live/${PUBLIC_STREAM}/360p/1-1000-0.ts`, { origin: PAGE_ORIGIN });
    assert.ok('uri' in open);
    assert.equal((await edge.respond(open, fromS3())).headers['access-control-allow-origin']?.value, '*');
  });

  it('ignores a marker header a viewer sends itself', async () => {
    const forged = await edge.run(`/live/${PUBLIC_STREAM}/360p/1-1000-0.ts`, { origin: 'https://evil.example', headers: { 'x-streamplane-allowed-origin': 'https://evil.example' } });
    assert.ok('uri' in forged);
    assert.equal(forged.headers['x-streamplane-allowed-origin'], undefined);
    assert.equal((await edge.respond(forged, fromS3())).headers['access-control-allow-origin']?.value, '*');
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
