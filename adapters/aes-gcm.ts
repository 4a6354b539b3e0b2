/**
 * AES-256-GCM sealing shared by the key ciphers: a fresh 96-bit IV per message, the context bound as
 * additional authenticated data, and a compact `iv.tag.ciphertext` (base64url) encoding. Must never
 * reuse an IV or return plaintext that failed authentication (GCM's tag check throws first).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const AES_KEY_BYTES = 32;

export function seal(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

export function open(key: Buffer, sealed: string, aad: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 3) throw new Error('not a sealed value');
  const [iv, tag, body] = parts.map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}

/** The AAD both ciphers bind: which target of which stream the key belongs to. */
export function contextAad(context: { streamId: string; targetId: string }): string {
  return `streamplane:simulcast:${context.streamId}:${context.targetId}`;
}
