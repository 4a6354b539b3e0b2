/**
 * Playlist bundles end to end on a real S3 (s3rver): the real packager (`playlistBundle`) stores each
 * segment round's playlists as one `live/<id>/playlists.json` PUT instead of one per rendition, the real
 * playlist origin handler (lambdas/ll-playlist) answers `live/<id>/<rendition>/index.m3u8` from it with
 * only stored segments named, and a packager started after the first one is lost resumes numbering from
 * the bundle (crash safety: everything a new task needs is in the object store).
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { livePlaylistBundleKey } from '../../core/hls/playlist-bundle';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { parseSegmentFileName } from '../../core/media/layout';
import { Packager, type PackagerSegmentEvent, type RenditionPlan } from '../../containers/ingest/src/packager';
import { createLlPlaylistHandler } from '../../lambdas/ll-playlist/handler';
import { CountingStore } from '../support/counting-object-store';
import { startTestS3, type TestS3 } from '../support/local-s3';
import { waitFor } from '../support/wait';

const STREAM = 'st_bundlebundlebundlebu';
const RENDITIONS: RenditionPlan[] = ['1080p', '720p', '480p', '360p'].map((name, i) => ({ name, bandwidth: 5_000_000 >> i, codecs: 'avc1.64001f,mp4a.40.2' }));
const SOON = { timeoutMs: 10_000, intervalMs: 20 };

async function writeSegment(runDir: string, rendition: string, index: number): Promise<void> {
  const dir = join(runDir, rendition);
  await mkdir(dir, { recursive: true });
  const name = `seg_${String(index).padStart(6, '0')}.ts`;
  await writeFile(join(dir, name), Buffer.alloc(188 * 4, index));
  await appendFile(join(dir, 'segments.csv'), `${name},${(index * 2).toFixed(6)},${(index * 2 + 2).toFixed(6)}\n`);
}

describe('playlist bundle (s3rver, real packager and playlist origin handler)', () => {
  let s3: TestS3;
  let root: string;
  let store: CountingStore;
  const packagers: Packager[] = [];

  before(async () => {
    s3 = await startTestS3('streamplane-bundle');
    root = await mkdtemp(join(tmpdir(), 'sp-bundle-'));
    store = new CountingStore(new S3ObjectStore({ bucket: s3.bucket, client: s3.client }));
  });
  after(async () => {
    for (const p of packagers.reverse()) await p.stop({ drainTimeoutMs: 2_000 });
    await s3?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const newPackager = () => {
    const packager = new Packager({ streamId: STREAM, renditions: RENDITIONS, objectStore: store, pollIntervalMs: 15, settleMs: 10, retry: { initialDelayMs: 5, maxDelayMs: 20 }, playlistBundle: {} });
    packagers.push(packager);
    const segments: PackagerSegmentEvent[] = [];
    packager.on('segment', (s) => segments.push(s));
    return { packager, segments };
  };
  const handler = () => createLlPlaylistHandler({ objects: new S3ObjectStore({ bucket: s3.bucket, client: s3.client }), sleep: async () => undefined, now: () => performance.now() });
  const get = (path: string) => handler()({ rawPath: `/${path}`, rawQueryString: '' } as APIGatewayProxyEventV2, {} as Context);

  it('stores one bundle per segment round, and the origin answers every rendition from it naming only stored segments', async () => {
    const { packager, segments } = newPackager();
    await packager.start();
    const run = join(root, 'run-1');
    await packager.attach(run);
    const ROUNDS = 5;
    for (let i = 0; i < ROUNDS; i++) {
      for (const r of RENDITIONS) await writeSegment(run, r.name, i);
      await waitFor(`round ${i} published`, () => segments.length === (i + 1) * RENDITIONS.length, SOON);
    }
    const bundlePuts = store.puts.get(livePlaylistBundleKey(STREAM)) ?? 0;
    const ownPlaylistPuts = store.total((k) => k.endsWith('/index.m3u8'));
    const segmentPuts = store.total((k) => k.endsWith('.ts'));
    console.log(`# ${ROUNDS} rounds x ${RENDITIONS.length} renditions: ${segmentPuts} segment PUTs, ${bundlePuts} bundle PUTs, ${ownPlaylistPuts} rendition playlist PUTs (without bundles: ${ROUNDS * RENDITIONS.length})`);
    assert.equal(segmentPuts, ROUNDS * RENDITIONS.length);
    assert.equal(ownPlaylistPuts, 0, 'no per-rendition playlist object is written');
    assert.ok(bundlePuts >= 1 && bundlePuts <= ROUNDS + 1, `about one bundle PUT per round, got ${bundlePuts}`);

    for (const r of RENDITIONS) {
      const answer = await get(`live/${STREAM}/${r.name}/index.m3u8`);
      assert.equal(answer.statusCode, 200, r.name);
      assert.equal(answer.headers?.['content-type'], 'application/vnd.apple.mpegurl');
      assert.equal(answer.headers?.['cache-control'], 'public, max-age=0, s-maxage=1', 'cacheable at the CDN like the S3 copy');
      const playlist = parseMediaPlaylist(answer.body as string);
      assert.deepEqual(playlist.segments.map((s) => parseSegmentFileName(s.uri.slice(s.uri.lastIndexOf('/') + 1))?.seq), [0, 1, 2, 3, 4]);
      for (const s of playlist.segments) assert.ok(await store.get(`live/${STREAM}/${r.name}/${s.uri}`), `${r.name} names ${s.uri}, which is stored`);
    }
    const missing = await get(`live/${STREAM}/240p/index.m3u8`);
    assert.equal(missing.statusCode, 404);
    assert.equal(JSON.parse(missing.body as string).code, 'not_found');
    const outside = await get(`recordings/${STREAM}/720p/index.m3u8`);
    assert.equal(outside.statusCode, 404, 'only live/ media playlists');
  });

  it('a packager started after the first is lost resumes numbering from the bundle', async () => {
    const { packager, segments } = newPackager();
    await packager.start();
    const run = join(root, 'run-2');
    await packager.attach(run);
    for (const r of RENDITIONS) await writeSegment(run, r.name, 0);
    await waitFor('the resumed round published', () => segments.length === RENDITIONS.length, SOON);
    assert.deepEqual(segments.map((s) => s.sequence).sort(), RENDITIONS.map(() => 5), 'continues after the lost packager\'s 0..4');
    const answer = await get(`live/${STREAM}/720p/index.m3u8`);
    const playlist = parseMediaPlaylist(answer.body as string);
    const seqs = playlist.segments.map((s) => parseSegmentFileName(s.uri.slice(s.uri.lastIndexOf('/') + 1))?.seq);
    assert.deepEqual(seqs.slice(-2), [4, 5], 'the viewers\' window continues across the task loss');
    assert.ok(playlist.segments.at(-1)?.discontinuity, 'a discontinuity marks the new run');
  });
});
