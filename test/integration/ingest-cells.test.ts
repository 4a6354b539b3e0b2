/**
 * Ingest cells through the control API's own cloud wiring (lambdas/stream-registry/cloud-deps.ts: its
 * config parsing of INGEST_CELLS, the DynamoDB stream store and the CELL# counters) against dynalite:
 * streams created across two cells are balanced and their ingest URLs name their cell's endpoint; after a
 * redeploy with three cells the old streams keep their cell and the new one takes the new streams; a
 * deleted stream frees its cell's count; a bad cell map fails the cold start naming the variable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { createStreamRegistryHandler } from '../../lambdas/stream-registry/handler';
import { streamRegistryCloudDeps } from '../../lambdas/stream-registry/cloud-deps';
import { streamView, streamViewWithKey } from '../../lambdas/stream-registry/schema';
import { DynamoDbCellCounts } from '../../adapters/dynamodb-cell-counts';
import { httpEvent } from '../support/http-event';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';

const TOKEN = 'cells-test-token-0123456789abcdefghijklmnopqrstuv';
const HOSTS = ['nlb-one.elb.eu-west-1.amazonaws.com', 'nlb-two.elb.eu-west-1.amazonaws.com', 'nlb-three.elb.eu-west-1.amazonaws.com'];

describe('ingest cells in the control API (dynalite)', () => {
  let dynamo: TestDynamo;
  const saved = { ...process.env };

  before(async () => {
    dynamo = await startTestDynamo();
    Object.assign(process.env, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_DYNAMODB: dynamo.server.endpoint, POWERTOOLS_LOG_LEVEL: 'WARN' });
  });
  after(async () => {
    process.env = saved;
    await dynamo?.stop();
  });

  /** The API as a deploy with these cells configures it. */
  async function apiWithCells(cells: number) {
    const deps = await streamRegistryCloudDeps({
      TABLE_NAME: TEST_TABLE,
      RTMP_SERVER_URL: `rtmp://${HOSTS[0]}:1935/live`,
      SRT_SERVER_URL: `srt://${HOSTS[0]}:9000`,
      HTTP_INGEST_BASE_URL: `http://${HOSTS[0]}:8080/ingest`,
      PLAYBACK_BASE_URL: 'https://cdn.example.net',
      API_TOKEN: TOKEN,
      INGEST_CELLS: JSON.stringify(HOSTS.slice(0, cells)),
    });
    const handler = createStreamRegistryHandler(deps);
    return async (method: string, path: string, body?: object) => {
      const event = httpEvent(method, path, { headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      const res = await handler(event, {} as Context);
      return { status: res.statusCode ?? 200, body: res.body ? JSON.parse(res.body) : undefined };
    };
  }

  const counts = () => new DynamoDbCellCounts({ tableName: TEST_TABLE, client: dynamo.client }).read(['cell-1', 'cell-2', 'cell-3']);

  it('balances streams over the cells, keeps them there across a redeploy with more cells, and names each cell\'s endpoint', async () => {
    // Prepare: a plane with two cells.
    const two = await apiWithCells(2);
    const created = [];
    for (let i = 0; i < 4; i++) {
      const res = await two('POST', '/v1/streams', { name: `two-cells ${i}` });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      created.push(streamViewWithKey.strict().parse(res.body));
    }
    // Assess: balanced, each stream's URLs on its cell's host.
    assert.deepEqual(created.map((s) => s.ingest.cell), ['cell-1', 'cell-2', 'cell-1', 'cell-2']);
    assert.deepEqual(await counts(), { 'cell-1': 2, 'cell-2': 2, 'cell-3': 0 });
    const second = created[1]!;
    assert.equal(second.ingest.server, `rtmp://${HOSTS[1]}:1935/live`);
    assert.equal(second.ingest.url, `rtmp://${HOSTS[1]}:1935/live/${second.streamKey}`);
    assert.equal(second.ingest.srt, `srt://${HOSTS[1]}:9000?streamid=${second.streamKey}`);
    assert.equal(second.ingest.http, `http://${HOSTS[1]}:8080/ingest/${second.streamKey}`);
    assert.equal(second.ingest.backupServer, `rtmp://${HOSTS[1]}:1935/live-backup`);
    assert.equal(second.playback.hls, `https://cdn.example.net/live/${second.id}/master.m3u8`);

    // Act: redeploy with three cells (a new API configuration, the same table).
    const three = await apiWithCells(3);
    const next = [];
    for (let i = 0; i < 3; i++) next.push(streamViewWithKey.strict().parse((await three('POST', '/v1/streams', { name: `three-cells ${i}` })).body));

    // Assess: the empty cell takes new streams until it caught up; no existing stream moved.
    assert.deepEqual(next.map((s) => s.ingest.cell), ['cell-3', 'cell-3', 'cell-1']);
    assert.equal(next[0]!.ingest.server, `rtmp://${HOSTS[2]}:1935/live`);
    for (const old of created) {
      const res = await three('GET', `/v1/streams/${old.id}`);
      const view = streamView.strict().parse(res.body);
      assert.ok('server' in view.ingest);
      assert.equal(view.ingest.cell, old.ingest.cell);
      assert.equal(view.ingest.server, old.ingest.server, 'the old stream\'s encoder settings still work');
    }
    const listed = (await three('GET', '/v1/streams', undefined)).body.items as Array<{ id: string; ingest: { server: string } }>;
    assert.equal(listed.find((s) => s.id === second.id)?.ingest.server, `rtmp://${HOSTS[1]}:1935/live`);

    // A deleted stream frees its cell's count.
    assert.equal((await three('DELETE', `/v1/streams/${next[0]!.id}`)).status, 204);
    assert.deepEqual(await counts(), { 'cell-1': 3, 'cell-2': 2, 'cell-3': 1 });
  });

  it('fails the cold start on a bad cell map, naming the variable', async () => {
    await assert.rejects(
      streamRegistryCloudDeps({ TABLE_NAME: TEST_TABLE, RTMP_SERVER_URL: 'rtmp://h.example:1935/live', PLAYBACK_BASE_URL: 'https://cdn.example.net', API_TOKEN: TOKEN, INGEST_CELLS: '["ok.example", "not a host"]' }),
      (err: Error) => err.name === 'ConfigError' && /INGEST_CELLS/.test(err.message) && /host 2 must be a DNS name/.test(err.message),
    );
  });
});
