/**
 * The signed, expiring token of a local upload URL (`PUT /uploads/media/<id>?expires=…&token=…`):
 * HMAC-SHA256 over the media id and the expiry, so a URL cannot be reused for another item or past its
 * time. The cloud hands out presigned S3 URLs instead; this is the local plane's equivalent.
 * Must never: accept a token without comparing it in constant time, or put the secret in the URL.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type UploadTokenCheck = { ok: true } | { ok: false; reason: 'expired' | 'invalid' };

function mac(secret: string, mediaId: string, expiresEpochSeconds: number): string {
  return createHmac('sha256', secret).update(`streamplane-media-upload\n${mediaId}\n${expiresEpochSeconds}`).digest('base64url');
}

export function signUploadToken(secret: string, mediaId: string, expiresAt: Date): { expires: number; token: string } {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  return { expires, token: mac(secret, mediaId, expires) };
}

export function checkUploadToken(secret: string, input: { mediaId: string; expires: string | null; token: string | null }, now: Date): UploadTokenCheck {
  if (!input.expires || !/^\d{1,12}$/.test(input.expires) || !input.token || !/^[A-Za-z0-9_-]{43}$/.test(input.token)) return { ok: false, reason: 'invalid' };
  const expires = Number(input.expires);
  const expected = Buffer.from(mac(secret, input.mediaId, expires));
  const given = Buffer.from(input.token);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  // Checked after the signature, so an expired answer is only given for a URL the plane really issued.
  if (now.getTime() >= expires * 1000) return { ok: false, reason: 'expired' };
  return { ok: true };
}
