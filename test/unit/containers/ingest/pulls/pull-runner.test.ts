/**
 * The pull runner with fake processes (no ffmpeg): the limit (a fifth start at 4 waits `queued` and
 * starts when one ends), dedupe, the one-time loopback credential of the `pull` gate, retries of a source
 * that never opens ending in `failed` + `stream.failed`, and a stop from the API that is never retried.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../../../../core/ports/clock';
import { silentLogger } from '../../../../../core/ports/logger';
import { noopMetrics } from '../../../../../core/ports/metrics';
import { endStream, startPull } from '../../../../../core/pulls/pull-control';
import type { PublishDecision } from '../../../../../core/streams/publish-decision';
import { createStream } from '../../../../../core/streams/stream-registry';
import { LOCAL_URL_POLICY } from '../../../../../core/webhooks/url-policy';
import type { PullExit, PullProcess } from '../../../../../containers/ingest/src/pulls/pull-process';
import { PullRunner } from '../../../../../containers/ingest/src/pulls/pull-runner';
import type { PublishRequest } from '../../../../../containers/ingest/src/rtmp/rtmp-ingest';
import { MemoryStreamStore } from '../../../../support/memory-stream-store';
import { recordingEmitter } from '../../../../support/recorded-events';
import { waitFor } from '../../../../support/wait';

interface FakeRun {
  args: string[];
  exit(result?: Partial<PullExit>): void;
  killed: boolean;
}

function setup(maxPulls: number) {
  const store = new MemoryStreamStore();
  const { emit, events } = recordingEmitter(store, systemClock);
  const deps = { store, emit, clock: systemClock, sources: { sourcePolicy: LOCAL_URL_POLICY } };
  const runs: FakeRun[] = [];
  const fallbackCalls: PublishRequest[] = [];
  const runner = new PullRunner({
    sessionDeps: { store, emit, clock: systemClock },
    maxPulls,
    rtmpBase: () => 'rtmp://127.0.0.1:1935',
    sourcePolicy: LOCAL_URL_POLICY,
    logger: silentLogger,
    metrics: noopMetrics,
    retryScheduleMs: [10, 10, 10],
    launch: (args): PullProcess => {
      let resolve!: (exit: PullExit) => void;
      const exited = new Promise<PullExit>((r) => (resolve = r));
      const run: FakeRun = { args, killed: false, exit: (result = {}) => resolve({ code: 1, signal: null, stderrTail: '', ...result }) };
      runs.push(run);
      return {
        pid: 1000 + runs.length,
        exited,
        kill: async () => {
          run.killed = true;
          run.exit({ signal: 'SIGTERM' });
          await exited;
        },
      };
    },
  });
  const gate = runner.gate(async (request): Promise<PublishDecision> => {
    fallbackCalls.push(request);
    return { allowed: false, reason: 'wrong_app', streamId: null };
  });
  const control = { ...deps, pullJobs: { enqueue: async (job: { streamId: string; requestedAt: string }) => void runner.submit(job) } };
  const tokenOf = (run: FakeRun) => (run.args.at(-1) as string).split('/').at(-1) as string;
  return { store, events, deps, control, runner, runs, gate, fallbackCalls, tokenOf };
}

describe('PullRunner', () => {
  it('runs four pulls, keeps the fifth queued, and starts it when one ends', async () => {
    const { control, deps, store, runner, runs, gate, tokenOf } = setup(4);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createStream(deps, { name: `Camera ${i}`, source: { url: `rtsp://admin:pw@127.0.0.1:8554/cam${i}` } })).stream.id);
    for (const id of ids) await startPull(control, id);
    await waitFor('four processes', () => runs.length === 4);
    assert.deepEqual(runner.running, ids.slice(0, 4));
    assert.deepEqual(runner.waiting, [ids[4]]);
    assert.equal((await store.get(ids[4] as string))?.pull?.state, 'queued');

    // Dedupe: a second start of a running pull is answered with its state, no second process.
    const again = await startPull(control, ids[0] as string);
    assert.equal(again.queued, false);
    assert.equal(runner.submit({ streamId: ids[0] as string, requestedAt: '' }), 'already_running');
    assert.equal(runs.length, 4);

    // The first pull connects through the gate (loopback, its one-time credential).
    const first = runs[0] as FakeRun;
    assert.ok(!first.args.join(' ').includes('/live/'), 'publishes to the pull app, not live');
    const decision = await gate({ app: 'pull', streamKey: tokenOf(first), remoteAddress: '127.0.0.1' });
    assert.equal(decision.allowed, true);
    assert.equal((await store.get(ids[0] as string))?.status, 'connected');
    assert.equal((await store.get(ids[0] as string))?.pull?.state, 'pulling');

    // Ending it through the API frees the slot; the fifth starts.
    await endStream(deps, ids[0] as string);
    runner.onEvent({ id: 'e', type: 'stream.ended', version: 1, time: '', streamId: ids[0] as string, sequence: 9, data: { reason: 'ended_by_api', durationSeconds: 1 } });
    await waitFor('the fifth pull to start', () => runs.length === 5);
    assert.equal(first.killed, true);
    assert.deepEqual(runner.waiting, []);
    assert.equal(runner.running.includes(ids[4] as string), true);
    assert.equal((await store.get(ids[0] as string))?.pull?.state, 'stopped');
    await runner.close();
  });

  it('accepts a credential once, from loopback only; anything else goes to the push gate', async () => {
    const { control, deps, runs, gate, fallbackCalls, tokenOf, runner } = setup(1);
    const { stream } = await createStream(deps, { name: 'Cam', source: { url: 'rtsp://127.0.0.1:8554/cam' } });
    await startPull(control, stream.id);
    await waitFor('a process', () => runs.length === 1);
    const token = tokenOf(runs[0] as FakeRun);
    assert.equal((await gate({ app: 'pull', streamKey: token, remoteAddress: '10.0.0.9' })).allowed, false);
    assert.equal((await gate({ app: 'pull', streamKey: 'guess', remoteAddress: '127.0.0.1' })).allowed, false);
    assert.equal((await gate({ app: 'pull', streamKey: token, remoteAddress: '127.0.0.1' })).allowed, true);
    assert.equal((await gate({ app: 'pull', streamKey: token, remoteAddress: '127.0.0.1' })).allowed, false, 'used once');
    assert.equal(fallbackCalls.length, 3);
    await runner.close();
  });

  it('gives up on a source that never opens: failed, redacted lastError, stream.failed', async () => {
    const { control, deps, store, events, runs, runner } = setup(1);
    const url = 'rtsp://admin:hunter22@127.0.0.1:9/cam';
    const { stream } = await createStream(deps, { name: 'Cam', source: { url } });
    await startPull(control, stream.id);
    for (let i = 1; i <= 3; i++) {
      await waitFor(`attempt ${i}`, () => runs.length === i);
      (runs[i - 1] as FakeRun).exit({ stderrTail: `[tcp] Connection to tcp://127.0.0.1:9 failed: Connection refused\n${url}: Connection refused\n` });
    }
    const failed = await waitFor('failed', async () => ((await store.get(stream.id))?.pull?.state === 'failed' ? store.get(stream.id) : undefined));
    assert.match(failed?.pull?.lastError ?? '', /Connection refused/);
    assert.ok(!failed?.pull?.lastError?.includes('hunter22'));
    assert.equal(failed?.status, 'idle');
    const failure = events.find((e) => e.type === 'stream.failed');
    assert.deepEqual(failure?.data, { reason: 'source_unreachable', error: failed?.pull?.lastError, attempts: 3 });
    assert.deepEqual(runner.running, []);
    await runner.close();
  });

  it('never retries a pull the API stopped, and cancels a queued one', async () => {
    const { control, deps, store, runs, runner } = setup(1);
    const a = (await createStream(deps, { name: 'A', source: { url: 'rtsp://127.0.0.1:8554/a' } })).stream.id;
    const b = (await createStream(deps, { name: 'B', source: { url: 'rtsp://127.0.0.1:8554/b' } })).stream.id;
    await startPull(control, a);
    await startPull(control, b);
    await waitFor('a process', () => runs.length === 1);
    await endStream(deps, b);
    assert.equal((await store.get(b))?.pull?.state, 'stopped');
    await endStream(deps, a);
    (runs[0] as FakeRun).exit();
    await waitFor('the runner to be empty', () => runner.running.length === 0);
    // b was cancelled while queued: its slot start re-reads the record and runs nothing.
    assert.equal(runs.length, 1);
    assert.equal((await store.get(a))?.pull?.state, 'stopped');
    await runner.close();
  });
});
