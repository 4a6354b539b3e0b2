/**
 * The README path, as a new user runs it: `npm start` prints where everything listens and the API token,
 * `/healthz` turns 200, and the CLI creates and lists streams against it. SIGTERM stops it cleanly.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../support/net';
import { waitFor } from '../support/wait';

const execFileAsync = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;


describe('npm start and the CLI', () => {
  let dataDir = '';
  let stopPlane: (() => Promise<void>) | undefined;
  after(async () => {
    await stopPlane?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts, reports health, and serves the CLI', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamplane-npm-start-'));
    const [httpPort, rtmpPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { ...process.env, STREAMPLANE_HTTP_PORT: String(httpPort), STREAMPLANE_RTMP_PORT: String(rtmpPort), STREAMPLANE_DATA_DIR: dataDir, STREAMPLANE_BIND: '127.0.0.1' };
    delete env.STREAMPLANE_API_TOKEN;
    const child = spawn('npm', ['start', '--silent'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // npm exits as soon as it is signalled; the plane (its grandchild) is done only when the last holder of
    // the output pipe has closed it.
    const exited = Promise.all([
      new Promise<void>((resolve) => child.once('exit', () => resolve())),
      new Promise<void>((resolve) => child.stdout.once('close', () => resolve())),
      new Promise<void>((resolve) => child.stderr.once('close', () => resolve())),
    ]);
    stopPlane = async () => {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
    };

    await waitFor('/healthz to be 200', async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status === 200, { timeoutMs: 60_000 });
    // /healthz answers while the start finishes (the console bundle is built last); the banner follows it.
    const token = await waitFor('the banner with the API token', () => /API token\s+(\S+)/.exec(output)?.[1], { timeoutMs: 30_000 }).catch(() => undefined);
    assert.ok(token, `the API token is printed:\n${output}`);
    assert.match(output, new RegExp(`rtmp://localhost:${rtmpPort}/live`));

    const cliEnv: NodeJS.ProcessEnv = { ...process.env, STREAMPLANE_API_URL: `http://127.0.0.1:${httpPort}`, STREAMPLANE_DATA_DIR: dataDir };
    delete cliEnv.STREAMPLANE_API_TOKEN;
    const created = JSON.parse((await execFileAsync('npx', ['streamplane', 'streams', 'create', '--name', 'from the cli'], { cwd: root, env: cliEnv })).stdout) as {
      id: string;
      streamKey: string;
      ingest: { server: string; url: string };
      playback: { hls: string };
    };
    assert.match(created.streamKey, /^sk_/);
    assert.equal(created.ingest.server, `rtmp://localhost:${rtmpPort}/live`);
    assert.equal(created.playback.hls, `http://localhost:${httpPort}/live/${created.id}/master.m3u8`);

    const listed = (await execFileAsync('npx', ['streamplane', 'streams', 'list'], { cwd: root, env: cliEnv })).stdout;
    assert.ok(listed.includes(created.id));
    assert.ok(!listed.includes(created.streamKey), 'listings never show a key');

    const missing = await execFileAsync('npx', ['streamplane', 'streams', 'get', 'st_doesnotexist'], { cwd: root, env: cliEnv }).catch((err: { code: number; stderr: string }) => err);
    assert.equal((missing as { code: number }).code, 1);
    assert.match((missing as { stderr: string }).stderr, /invalid_id/);

    await stopPlane();
    assert.match(output, /plane: stopped/, 'SIGTERM stops every part cleanly');
    assert.doesNotMatch(output, /NodeVersionSupportWarning|ERROR/);
    const { stdout: left } = await execFileAsync('ps', ['-eo', 'args=']);
    assert.ok(!left.includes(dataDir), 'no process of the plane is left running');
    assert.ok(!output.includes(created.streamKey), 'the plane never logged the key');
  });
});
