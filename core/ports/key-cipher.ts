/**
 * Encrypts and decrypts simulcast stream keys with a key the table does not hold: locally a key file in
 * the data dir (adapters/local-key-cipher.ts), in AWS a KMS key with envelope encryption
 * (adapters/kms-key-cipher.ts). The context (stream and target ids) is bound to the ciphertext, so a
 * ciphertext copied onto another target does not decrypt.
 *
 * Must never: log, return in an error, or persist the plaintext.
 */

export interface KeyContext {
  streamId: string;
  targetId: string;
}

export interface KeyCipher {
  /** An opaque, self-describing string safe to store. */
  encrypt(plaintext: string, context: KeyContext): Promise<string>;
  decrypt(ciphertext: string, context: KeyContext): Promise<string>;
}
