/**
 * Signing a viewer token (ES256 compact JWS) with node:crypto, for the CLI and for servers that would
 * rather not add a JWT library. Produces exactly what `jose`'s SignJWT produces for the same input, and
 * what viewer-token.ts verifies.
 *
 * Must never log or return the private key.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { ValidationError } from '../errors';
import { MAX_TOKEN_LIFETIME_SECONDS, VIEWER_ID_PATTERN } from './playback-key';
import { AUDIENCES, isOrigin, type Audience } from './viewer-token';

export interface SignTokenInput {
  privateKeyPem: string;
  kid: string;
  sub: string;
  /** Epoch seconds. */
  exp: number;
  /** Epoch seconds (the `iat` claim). */
  now: number;
  aud?: Audience;
  viewerId?: string;
  allowedOrigin?: string;
}

export function signViewerToken(input: SignTokenInput): string {
  if (input.exp <= input.now || input.exp > input.now + MAX_TOKEN_LIFETIME_SECONDS) throw new ValidationError('exp must lie in the next 7 days.');
  if (input.aud !== undefined && !AUDIENCES.includes(input.aud)) throw new ValidationError(`aud must be one of ${AUDIENCES.join(', ')}.`);
  if (input.viewerId !== undefined && !VIEWER_ID_PATTERN.test(input.viewerId)) throw new ValidationError('viewerId must be 1-128 of A-Z a-z 0-9 . _ @ : + -');
  if (input.allowedOrigin !== undefined && !isOrigin(input.allowedOrigin)) throw new ValidationError('allowedOrigin must be an origin such as https://example.com');
  const key = createPrivateKey(input.privateKeyPem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new ValidationError('The key must be an EC P-256 private key (PEM).');
  const header = { alg: 'ES256', kid: input.kid, typ: 'JWT' };
  const payload: Record<string, unknown> = { sub: input.sub, iat: input.now, exp: input.exp };
  if (input.aud !== undefined) payload.aud = input.aud;
  if (input.viewerId !== undefined) payload.viewerId = input.viewerId;
  if (input.allowedOrigin !== undefined) payload.allowedOrigin = input.allowedOrigin;
  const signingInput = `${b64(header)}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
