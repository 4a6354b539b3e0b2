/**
 * Middleware requiring `Authorization: Bearer <token>` on every request except the public ones. The
 * expected token comes from a function so the cloud can load it from a secret at cold start (and
 * rotate it); the comparison is constant-time over hashes, so neither content nor length leaks.
 * Must never log or echo either token.
 */
import type { MiddlewareObj } from '@middy/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { StreamplaneError } from '../../core/errors';
import { UnauthorizedError } from './http-errors';
import { headerValue, type HttpEvent, type HttpResult } from './http-types';

export type TokenSource = () => Promise<string> | string;

export interface BearerAuthOptions {
  token: TokenSource;
  /** Requests that need no token (the OpenAPI document). */
  isPublic?: (event: HttpEvent) => boolean;
}

const MAX_HEADER_LENGTH = 4096;

export function bearerAuth(options: BearerAuthOptions): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    name: 'bearerAuth',
    before: async (request) => {
      if (options.isPublic?.(request.event)) return;
      const presented = presentedToken(headerValue(request.event, 'authorization'));
      const expected = await options.token();
      // An empty expected token would let an empty presented one through; refuse to run instead.
      if (typeof expected !== 'string' || expected.length === 0) throw new StreamplaneError('internal', 'The API token is not configured.');
      if (presented === undefined || !tokensEqual(presented, expected)) throw new UnauthorizedError();
    },
  };
}

function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length > MAX_HEADER_LENGTH) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

export function tokensEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
