/**
 * Ingest cells in core: new streams go to the least loaded cell and keep it; a stream's URLs name its
 * cell's endpoint; the endpoint map is validated; a cell's tasks admit only their cell's streams.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { assignCell } from '../../../../core/cells/assign-cell';
import { leastLoadedCell } from '../../../../core/cells/cell-assignment';
import { CellConfigError, cellIds, cellOfStream, cellUrls, DEFAULT_CELL_ID, MAX_INGEST_CELLS, parseCellHosts, urlsForStream } from '../../../../core/cells/ingest-cells';
import type { StreamplaneEvent } from '../../../../core/events/catalog';
import { eventEmitter } from '../../../../core/events/emit-event';
import { authorizePublish } from '../../../../core/streams/publish-session';
import { createStream, deleteStream, type RegistryDeps } from '../../../../core/streams/stream-registry';
import { LOCAL_URL_POLICY } from '../../../../core/webhooks/url-policy';
import { MemoryCellCounts } from '../../../../adapters/memory-cell-counts';
import { MemoryStreamStore } from '../../../support/memory-stream-store';

const URLS = {
  rtmpServer: 'rtmp://nlb-1.elb.example:1935/live',
  srtServer: 'srt://nlb-1.elb.example:9000',
  httpIngestBase: 'http://nlb-1.elb.example:8080/ingest',
  playbackBase: 'https://cdn.example',
};

describe('least loaded cell', () => {
  it('picks the cell with the fewest streams, the lower number on a tie', () => {
    assert.equal(leastLoadedCell([{ id: 'cell-1', streams: 3 }, { id: 'cell-2', streams: 1 }, { id: 'cell-3', streams: 2 }]), 'cell-2');
    assert.equal(leastLoadedCell([{ id: 'cell-1', streams: 2 }, { id: 'cell-2', streams: 2 }]), 'cell-1');
  });

  it('weighs streams by capacity, and refuses when no cell has any', () => {
    assert.equal(leastLoadedCell([{ id: 'cell-1', streams: 10, weight: 2 }, { id: 'cell-2', streams: 6, weight: 1 }]), 'cell-1');
    assert.throws(() => leastLoadedCell([{ id: 'cell-1', streams: 0, weight: 0 }]), RangeError);
  });
});

describe('cell endpoints', () => {
  it('parses a JSON list of hosts, cell 1 first', () => {
    assert.deepEqual(parseCellHosts('["nlb-1.elb.example","nlb-2.elb.example"]'), [
      { id: 'cell-1', host: 'nlb-1.elb.example' },
      { id: 'cell-2', host: 'nlb-2.elb.example' },
    ]);
  });

  it('refuses anything else with a clear message', () => {
    for (const bad of ['', 'nlb-1', '[]', '{"a":1}', '["ok.example", 7]', '["bad host"]', '["a/b"]', JSON.stringify(Array(MAX_INGEST_CELLS + 1).fill('h.example'))]) {
      assert.throws(() => parseCellHosts(bad), (err: unknown) => err instanceof CellConfigError && err.code === 'invalid_cell_config', bad);
    }
  });

  it('gives each cell the plane URLs with its host; playback stays the plane\'s', () => {
    assert.deepEqual(cellUrls(URLS, { id: 'cell-2', host: 'nlb-2.elb.example' }), {
      rtmpServer: 'rtmp://nlb-2.elb.example:1935/live',
      srtServer: 'srt://nlb-2.elb.example:9000',
      httpIngestBase: 'http://nlb-2.elb.example:8080/ingest',
      playbackBase: 'https://cdn.example',
    });
    assert.equal(cellUrls({ rtmpServer: 'rtmps://ingest.example.com:443/live', playbackBase: 'x' }, { id: 'cell-3', host: 'cell-3.ingest.example.com' }).rtmpServer, 'rtmps://cell-3.ingest.example.com:443/live');
  });

  it('names a stream\'s own cell, cell 1 for streams older than cells, the plane URLs without cells', () => {
    const endpoints = parseCellHosts('["nlb-1.elb.example","nlb-2.elb.example"]');
    assert.equal(urlsForStream(URLS, endpoints, { ingestCell: 'cell-2' }).rtmpServer, 'rtmp://nlb-2.elb.example:1935/live');
    assert.equal(urlsForStream(URLS, endpoints, {}).rtmpServer, URLS.rtmpServer);
    assert.equal(cellOfStream({}), DEFAULT_CELL_ID);
    assert.equal(urlsForStream(URLS, undefined, { ingestCell: 'cell-2' }), URLS);
  });
});

describe('cell assignment at creation', () => {
  let deps: RegistryDeps;
  let counts: MemoryCellCounts;
  let events: StreamplaneEvent[];

  beforeEach(() => {
    const store = new MemoryStreamStore();
    const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    events = [];
    counts = new MemoryCellCounts();
    deps = { store, clock, emit: eventEmitter({ store, clock, publisher: { publish: async (e) => void events.push(e) } }), cells: { cells: cellIds(2).map((id) => ({ id })), counts } };
  });

  it('balances new streams over the cells and counts them', async () => {
    const made = [];
    for (let i = 0; i < 6; i++) made.push((await createStream(deps, { name: `s${i}` })).stream.ingestCell);
    assert.deepEqual(made, ['cell-1', 'cell-2', 'cell-1', 'cell-2', 'cell-1', 'cell-2']);
    assert.deepEqual(await counts.read(['cell-1', 'cell-2']), { 'cell-1': 3, 'cell-2': 3 });
  });

  it('fills a newly added cell first and moves no existing stream', async () => {
    const old = [];
    for (let i = 0; i < 4; i++) old.push((await createStream(deps, { name: `old${i}` })).stream);
    deps.cells = { cells: cellIds(3).map((id) => ({ id })), counts };
    const next = [];
    for (let i = 0; i < 3; i++) next.push((await createStream(deps, { name: `new${i}` })).stream.ingestCell);
    assert.deepEqual(next, ['cell-3', 'cell-3', 'cell-1']);
    for (const stream of old) assert.equal((await deps.store.get(stream.id))?.ingestCell, stream.ingestCell);
  });

  it('gives a pulled stream no cell, and a deleted stream frees its cell\'s count', async () => {
    const pulled = await createStream({ ...deps, sources: { sourcePolicy: LOCAL_URL_POLICY } }, { name: 'pull', source: { url: 'rtsp://127.0.0.1:8554/cam' } });
    assert.equal(pulled.stream.ingestCell, undefined);
    const { stream } = await createStream(deps, { name: 'pushed' });
    assert.deepEqual(await counts.read(['cell-1']), { 'cell-1': 1 });
    await deleteStream(deps, stream.id);
    assert.deepEqual(await counts.read(['cell-1']), { 'cell-1': 0 });
  });

  it('looks again when another create took the cell it picked', async () => {
    let raced = false;
    const racing = {
      read: (ids: ReadonlyArray<string>) => counts.read(ids),
      claim: async (id: string, seen?: number) => {
        if (!raced && seen !== undefined) {
          raced = true;
          await counts.claim(id); // another API invocation won this cell in between
        }
        return counts.claim(id, seen);
      },
      release: (id: string) => counts.release(id),
    };
    assert.equal(await assignCell({ cells: cellIds(2).map((id) => ({ id })), counts: racing }), 'cell-2');
    assert.deepEqual(await counts.read(['cell-1', 'cell-2']), { 'cell-1': 1, 'cell-2': 1 });
  });

  it('refuses a publish through another cell (wrong_cell, with its event) and admits the stream in its own', async () => {
    const first = await createStream(deps, { name: 'one' });
    const second = await createStream(deps, { name: 'two' });
    assert.equal(second.stream.ingestCell, 'cell-2');
    const refused = await authorizePublish(deps, { app: 'live', streamKey: second.streamKey, remoteAddress: '192.0.2.1', cell: 'cell-1' });
    assert.deepEqual(refused, { allowed: false, reason: 'wrong_cell', streamId: second.stream.id });
    assert.equal((await deps.store.get(second.stream.id))?.status, 'idle', 'a refused publish changes nothing');
    assert.ok(events.some((e) => e.type === 'stream.rejected' && e.streamId === second.stream.id && (e.data as { reason: string }).reason === 'wrong_cell'));
    assert.equal((await authorizePublish(deps, { app: 'live', streamKey: second.streamKey, cell: 'cell-2' })).allowed, true);
    // Without a cell (a plane without cells, or a pull) nothing is checked.
    assert.equal((await authorizePublish(deps, { app: 'live', streamKey: first.streamKey })).allowed, true);
  });
});
