/**
 * The CLI's playback commands against a real local plane: `playback-keys create --out` writes the
 * private key (mode 0600) instead of printing it, `playback-token` signs locally a token that `jose`
 * verifies with the public key the API lists and the local origin accepts, revocations go through.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { importSPKI, jwtVerify } from 'jose';
import { startTestPlane, type TestPlane } from '../support/plane';

const run = promisify(execFile);
const CLI = new URL('../../bin/streamplane.mjs', import.meta.url).pathname;

describe('streamplane playback CLI', () => {
  let t: TestPlane;
  let dir: string;
  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, STREAMPLANE_API_URL: t.base, STREAMPLANE_API_TOKEN: t.plane.apiToken } });

  before(async () => {
    t = await startTestPlane();
    dir = await mkdtemp(join(tmpdir(), 'streamplane-cli-'));
  });
  after(async () => {
    await t?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a key, signs a viewer token with it and revokes a viewer', async () => {
    const keyFile = join(dir, 'viewer-key.pem');
    const created = JSON.parse((await cli('playback-keys', 'create', '--out', keyFile)).stdout) as { id: string; publicKey: string; privateKey?: string; privateKeyFile: string };
    assert.equal(created.privateKey, undefined, 'the private key goes to the file, not stdout');
    assert.equal(created.privateKeyFile, keyFile);
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    assert.match(await readFile(keyFile, 'utf8'), /BEGIN PRIVATE KEY/);

    const stream = await t.api<{ id: string; playbackPolicy: string }>('POST', '/v1/streams', { name: 'cli', playbackPolicy: 'signed' });
    const { stdout } = await cli('playback-token', stream.body.id, '--key-file', keyFile, '--key-id', created.id, '--aud', 'live', '--viewer', 'v-7', '--ttl', '600');
    const token = stdout.trim();
    const { payload, protectedHeader } = await jwtVerify(token, await importSPKI(created.publicKey, 'ES256'), { audience: 'live', subject: stream.body.id });
    assert.equal(protectedHeader.kid, created.id);
    assert.equal(payload.viewerId, 'v-7');
    // The origin takes it (404: nothing published yet — but not 403).
    assert.equal((await fetch(`${t.base}/live/${stream.body.id}/master.m3u8?token=${token}`)).status, 404);
    assert.equal((await fetch(`${t.base}/live/${stream.body.id}/master.m3u8`)).status, 403);

    const revoked = JSON.parse((await cli('playback-revocations', 'create', '--viewer', 'v-7')).stdout) as { viewerId: string };
    assert.equal(revoked.viewerId, 'v-7');
    assert.equal((await fetch(`${t.base}/live/${stream.body.id}/master.m3u8?token=${token}`)).status, 403);

    const listed = JSON.parse((await cli('playback-keys', 'list')).stdout) as { items: Array<{ id: string }> };
    assert.deepEqual(listed.items.map((k) => k.id), [created.id]);
    await cli('playback-keys', 'delete', created.id);
    assert.deepEqual((JSON.parse((await cli('playback-keys', 'list')).stdout) as { items: unknown[] }).items, []);
  });

  it('refuses bad input with a usage error', async () => {
    await assert.rejects(cli('playback-token', 'st_aaaaaaaaaaaaaaaaaaaa', '--key-file', '/nope'), (err: { code?: number; stderr?: string }) => err.code === 2 && /--key-id/.test(err.stderr ?? ''));
    await assert.rejects(cli('playback-keys', 'frobnicate'), (err: { code?: number }) => err.code === 2);
  });
});
