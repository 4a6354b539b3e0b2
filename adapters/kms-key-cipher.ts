/**
 * The cloud's KeyCipher: KMS envelope encryption. Each key gets its own data key from
 * `GenerateDataKey` (AES_256) under the plane's KMS key, with the stream and target ids as the KMS
 * encryption context (so CloudTrail names the target, and a ciphertext moved to another target fails
 * to decrypt); the plaintext data key seals the stream key locally (AES-256-GCM, same AAD) and is
 * dropped. Stored: `kms1.<encrypted data key>.<sealed key>`. Decrypt asks KMS for the data key back.
 *
 * Must never: keep a plaintext data key after the call, or log/return a stream key.
 */
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { KeyCipher, KeyContext } from '../core/ports/key-cipher';
import { contextAad, open, seal } from './aes-gcm';

const PREFIX = 'kms1.';

export interface KmsKeyCipherOptions {
  /** Key id or ARN (GenerateDataKey needs it; Decrypt reads it from the ciphertext blob). */
  keyId: string;
  client?: KMSClient;
}

export class KmsKeyCipher implements KeyCipher {
  private readonly client: KMSClient;
  private readonly keyId: string;

  constructor(options: KmsKeyCipherOptions) {
    this.keyId = options.keyId;
    this.client = options.client ?? new KMSClient({});
  }

  async encrypt(plaintext: string, context: KeyContext): Promise<string> {
    const out = await this.client.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: kmsContext(context) }));
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS returned no data key.');
    const dataKey = Buffer.from(out.Plaintext);
    try {
      return `${PREFIX}${Buffer.from(out.CiphertextBlob).toString('base64url')}.${seal(dataKey, plaintext, contextAad(context))}`;
    } finally {
      dataKey.fill(0);
    }
  }

  async decrypt(ciphertext: string, context: KeyContext): Promise<string> {
    if (!ciphertext.startsWith(PREFIX)) throw new Error('The stored simulcast key was not written by the KMS cipher.');
    const rest = ciphertext.slice(PREFIX.length);
    const dot = rest.indexOf('.');
    if (dot <= 0) throw new Error('The stored simulcast key is malformed.');
    const out = await this.client.send(
      new DecryptCommand({ CiphertextBlob: Buffer.from(rest.slice(0, dot), 'base64url'), KeyId: this.keyId, EncryptionContext: kmsContext(context) }),
    );
    if (!out.Plaintext) throw new Error('KMS returned no data key.');
    const dataKey = Buffer.from(out.Plaintext);
    try {
      return open(dataKey, rest.slice(dot + 1), contextAad(context));
    } finally {
      dataKey.fill(0);
    }
  }
}

function kmsContext(context: KeyContext): Record<string, string> {
  return { streamplane: 'simulcast-key', streamId: context.streamId, targetId: context.targetId };
}
