/**
 * Stream keys: 256-bit random secrets that an encoder presents as the RTMP stream name. Only their
 * SHA-256 hash is ever stored; the key itself is returned once (on create and on reset) and must never
 * be logged, emitted in an event or listed. A plain hash is enough because keys are high-entropy.
 */
import { createHash, randomBytes } from 'node:crypto';

export const STREAM_KEY_PREFIX = 'sk_';
/** Prefix + 43 base64url characters (32 bytes). Also satisfies node-media-server's `[A-Za-z0-9_-]+`. */
const STREAM_KEY_PATTERN = /^sk_[A-Za-z0-9_-]{43}$/;

export function generateStreamKey(): string {
  return STREAM_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashStreamKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Cheap shape check before any lookup: garbage never reaches the store. */
export function isWellFormedStreamKey(value: string): boolean {
  return STREAM_KEY_PATTERN.test(value);
}


/** Replaces anything shaped like a stream key in free text (log lines from third-party code). */
export function redactStreamKeys(text: string): string {
  return text.replace(/sk_[A-Za-z0-9_-]{8,}/g, 'sk_[redacted]');
}
