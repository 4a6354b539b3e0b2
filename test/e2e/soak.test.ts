/**
 * The short chaos soak, run as a user runs it: `npm run soak -- --minutes 2 --streams 2 --seed 42`. A real
 * plane carries two encoders while a fixed schedule kills publishers, a transcoder and the whole plane
 * (SIGKILL), takes the webhook receiver down, and floods wrong keys, malformed RTMP and bad API calls.
 * Nothing may be lost, go backwards or be left behind: exit 0, the summary line, and a JSON report that
 * says so field by field. The long run (10 minutes, 4 streams) is a benchmark, not a test.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

describe('chaos soak (short)', () => {
  let child: ChildProcess | undefined;
  let outDir = '';
  after(async () => {
    // npm → tsx → node: the CLI runs in its own process group, so a failed test ends all of it.
    if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGINT');
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('loses no segment or webhook, never goes backwards and leaves nothing behind', { timeout: 8 * 60_000 }, async () => {
    outDir = await mkdtemp(join(tmpdir(), 'streamplane-soak-test-'));
    const out = join(outDir, 'soak.json');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    let stdout = '';
    let stderr = '';
    const exit = await new Promise<number | null>((resolve, reject) => {
      child = spawn(npm, ['run', '--silent', 'soak', '--', '--minutes', '2', '--streams', '2', '--seed', '42', '--out', out], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });

    assert.equal(exit, 0, `soak exited ${exit}\n${stdout.slice(-4000)}\n${stderr.slice(-2000)}`);
    assert.match(stdout, /^soak: lost_segments=0 lost_webhooks=0 regressions=0 orphans=0$/m);
    const report = JSON.parse(await readFile(out, 'utf8')) as {
      seed: number;
      minutes: number;
      streams: number;
      faults: Record<string, number>;
      segments: { seenLive: number; stored: number; inRecordings: number; strandedOnScratch: number; lost: number };
      playlist: { polls: number; regressions: number };
      webhooks: { emitted: number; delivered: number; lost: number; invalidSignatures: number };
      recordings: { total: number; ready: number; notFinalized: number };
      badInputs: Record<string, { tried: number; accepted: number; serverErrors: number }>;
      orphans: { processes: number; scratchFiles: number };
      cleanStop: boolean;
      ok: boolean;
    };
    assert.deepEqual([report.seed, report.minutes, report.streams], [42, 2, 2]);
    assert.equal(report.ok, true);
    assert.ok((report.faults['plane-kill'] ?? 0) >= 1, 'the schedule SIGKILLed the plane at least once');
    assert.ok(Object.values(report.faults).reduce((a, b) => a + b, 0) >= 5, 'several kinds of fault were injected');
    assert.ok(report.segments.stored > 0 && report.segments.seenLive > 0, 'media flowed');
    assert.equal(report.segments.lost, 0);
    assert.equal(report.segments.strandedOnScratch, 0);
    assert.equal(report.segments.inRecordings >= report.segments.stored, true, 'every stored segment is in a recording');
    assert.ok(report.playlist.polls > 0);
    assert.equal(report.playlist.regressions, 0);
    assert.ok(report.webhooks.emitted > 0);
    assert.equal(report.webhooks.delivered, report.webhooks.emitted);
    assert.equal(report.webhooks.lost, 0);
    assert.equal(report.webhooks.invalidSignatures, 0);
    assert.ok(report.recordings.total > 0);
    assert.equal(report.recordings.notFinalized, 0);
    for (const [kind, tally] of Object.entries(report.badInputs)) {
      assert.ok(tally.tried > 0, `${kind} inputs were tried`);
      assert.equal(tally.accepted, 0, `no ${kind} input was accepted`);
      assert.equal(tally.serverErrors, 0, `no ${kind} input caused a server error`);
    }
    assert.deepEqual(report.orphans, { ...report.orphans, processes: 0, scratchFiles: 0 });
    assert.equal(report.cleanStop, true);
  });
});
