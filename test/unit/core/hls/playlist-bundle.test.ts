import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { encodePlaylistBundle, livePlaylistBundleKey, parsePlaylistBundle, playlistFromBundle } from '../../../../core/hls/playlist-bundle';
import { createLlPlaylistHandler } from '../../../../lambdas/ll-playlist/handler';

const ID = 'st_abcdefghijklmnopqrst';
const P720 = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n0-2000-0.ts\n';

describe('playlist bundle', () => {
  it('round-trips every rendition and lives beside the master', () => {
    const text = encodePlaylistBundle(new Map([['720p', P720], ['360p', P720]]));
    assert.deepEqual([...parsePlaylistBundle(text)!.keys()], ['720p', '360p']);
    assert.equal(playlistFromBundle(text, '720p'), P720);
    assert.equal(playlistFromBundle(text, '1080p'), undefined);
    assert.equal(livePlaylistBundleKey(ID), `live/${ID}/playlists.json`);
  });

  it('refuses what is not a bundle of this version', () => {
    for (const text of ['', 'nope', '{"v":2,"playlists":{}}', '{"v":1,"playlists":{"../x":"#EXTM3U"}}', '{"v":1,"playlists":{"720p":"not a playlist"}}']) {
      assert.equal(parsePlaylistBundle(text), undefined, text);
    }
  });
});

describe('playlist origin: live media playlists', () => {
  const call = (objects: Record<string, string>, path: string) =>
    createLlPlaylistHandler({ objects: { get: async (k) => (k in objects ? Buffer.from(objects[k] as string) : undefined) }, sleep: async () => undefined, now: () => 0 })(
      { rawPath: `/${path}`, rawQueryString: '' } as APIGatewayProxyEventV2,
      {} as Context,
    );

  it('answers a rendition from the bundle, cached as the S3 copy is', async () => {
    const answer = await call({ [livePlaylistBundleKey(ID)]: encodePlaylistBundle(new Map([['720p', P720]])) }, `live/${ID}/720p/index.m3u8`);
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.body, P720);
    assert.equal(answer.headers?.['cache-control'], 'public, max-age=0, s-maxage=1');
  });

  it('falls back to the rendition\'s own object (a stream packaged without bundles), else 404 problem+json', async () => {
    assert.equal((await call({ [`live/${ID}/720p/index.m3u8`]: P720 }, `live/${ID}/720p/index.m3u8`)).body, P720);
    const missing = await call({}, `live/${ID}/720p/index.m3u8`);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers?.['content-type'], 'application/problem+json');
    assert.equal(JSON.parse(missing.body as string).code, 'not_found');
    assert.equal((await call({}, `live/${ID}/../index.m3u8`)).statusCode, 404);
  });
});
