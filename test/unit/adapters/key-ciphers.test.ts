/**
 * The key ciphers: the local one keeps its key in a 0600 file of the data dir and binds ciphertexts to
 * their target; the KMS one does envelope encryption (tested with aws-sdk-client-mock: KMS has no local
 * implementation here) with the target in the encryption context and never stores the data key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsKeyCipher } from '../../../adapters/kms-key-cipher';
import { LocalKeyCipher, LOCAL_KEY_FILE } from '../../../adapters/local-key-cipher';

const ctx = { streamId: 'st_aaaaaaaaaaaaaaaaaaaa', targetId: 'sct_bbbbbbbbbbbbbbbbbbbb' };

describe('local key cipher', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('creates its key file 0600 once, round-trips, and refuses another target or another data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sc-cipher-'));
    const other = await mkdtemp(join(tmpdir(), 'sc-cipher-'));
    dirs.push(dir, other);
    const cipher = await LocalKeyCipher.inDataDir(dir);
    const file = join(dir, LOCAL_KEY_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const sealed = await cipher.encrypt('live_sekret_key', ctx);
    assert.equal(sealed.includes('sekret'), false);
    assert.equal(await (await LocalKeyCipher.inDataDir(dir)).decrypt(sealed, ctx), 'live_sekret_key', 'the same file is reused after a restart');
    await assert.rejects(cipher.decrypt(sealed, { ...ctx, targetId: 'sct_cccccccccccccccccccc' }), /does not decrypt/);
    await assert.rejects((await LocalKeyCipher.inDataDir(other)).decrypt(sealed, ctx), /does not decrypt/);
    assert.match(await readFile(file, 'utf8'), /^[0-9a-f]{64}\n$/);
  });
});

describe('KMS key cipher', () => {
  it('seals with a fresh data key under the KMS key, with the target as encryption context, and decrypts through KMS', async () => {
    const kms = mockClient(KMSClient);
    const dataKey = randomBytes(32);
    const blob = Buffer.from('encrypted-data-key');
    kms.on(GenerateDataKeyCommand).callsFake(() => ({ Plaintext: new Uint8Array(dataKey), CiphertextBlob: new Uint8Array(blob) }));
    kms.on(DecryptCommand).callsFake((input: { CiphertextBlob: Uint8Array }) => {
      assert.deepEqual(Buffer.from(input.CiphertextBlob), blob);
      return { Plaintext: new Uint8Array(dataKey) };
    });
    const cipher = new KmsKeyCipher({ keyId: 'arn:aws:kms:eu-west-1:111111111111:key/k', client: new KMSClient({ region: 'eu-west-1' }) });
    const sealed = await cipher.encrypt('fb-key?s_bl=1', ctx);
    assert.match(sealed, /^kms1\./);
    assert.equal(sealed.includes('fb-key'), false);
    assert.equal(await cipher.decrypt(sealed, ctx), 'fb-key?s_bl=1');
    const generate = kms.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input;
    assert.deepEqual(generate, { KeyId: 'arn:aws:kms:eu-west-1:111111111111:key/k', KeySpec: 'AES_256', EncryptionContext: { streamplane: 'simulcast-key', ...ctx } });
    assert.deepEqual(kms.commandCalls(DecryptCommand)[0]!.args[0].input.EncryptionContext, { streamplane: 'simulcast-key', ...ctx });
    await assert.rejects(cipher.decrypt(sealed, { ...ctx, targetId: 'sct_cccccccccccccccccccc' }));
    kms.restore();
  });
});
