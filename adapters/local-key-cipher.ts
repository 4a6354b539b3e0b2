/**
 * The local plane's KeyCipher: AES-256-GCM with a 256-bit key kept in a file in the data dir
 * (`simulcast-key`, mode 0600, created on first use), never in the table. Ciphertexts are `v1.` +
 * the sealed value, bound to the stream and target ids.
 *
 * Must never: write the key file with permissions other than 0600, or include the key or a plaintext
 * in an error.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyCipher, KeyContext } from '../core/ports/key-cipher';
import { AES_KEY_BYTES, contextAad, open, seal } from './aes-gcm';

export const LOCAL_KEY_FILE = 'simulcast-key';
const PREFIX = 'v1.';

export class LocalKeyCipher implements KeyCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== AES_KEY_BYTES) throw new Error(`The simulcast key must be ${AES_KEY_BYTES} bytes.`);
  }

  /** The cipher of `dataDir`, creating its key file (0600) when there is none. */
  static async inDataDir(dataDir: string): Promise<LocalKeyCipher> {
    const file = join(dataDir, LOCAL_KEY_FILE);
    try {
      const stored = (await readFile(file, 'utf8')).trim();
      if (!/^[0-9a-f]{64}$/.test(stored)) throw new Error(`${file} is not a simulcast key file (64 hex characters expected).`);
      // Tighten a key file someone loosened.
      await chmod(file, 0o600);
      return new LocalKeyCipher(Buffer.from(stored, 'hex'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = randomBytes(AES_KEY_BYTES);
    // `wx`: two planes starting on one data dir never overwrite each other's key.
    try {
      await writeFile(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return LocalKeyCipher.inDataDir(dataDir);
      throw err;
    }
    return new LocalKeyCipher(key);
  }

  async encrypt(plaintext: string, context: KeyContext): Promise<string> {
    return PREFIX + seal(this.key, plaintext, contextAad(context));
  }

  async decrypt(ciphertext: string, context: KeyContext): Promise<string> {
    if (!ciphertext.startsWith(PREFIX)) throw new Error('The stored simulcast key was not written by the local cipher.');
    try {
      return open(this.key, ciphertext.slice(PREFIX.length), contextAad(context));
    } catch (err) {
      throw new Error('The stored simulcast key does not decrypt (another data dir key, or another target).', { cause: err instanceof Error ? err.name : undefined });
    }
  }
}
