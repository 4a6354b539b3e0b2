/**
 * Middleware admitting a request body only if it is JSON, at most `maxBytes`, and parses; the parsed
 * value goes to `event.jsonBody`. Checks run cheapest first (size, media type, parse) and nothing is
 * echoed back: parser messages can quote the body, which may hold a secret.
 * Kept instead of @middy/http-json-body-parser (6.4.5): it has no byte cap (413), matches the media type
 * case-sensitively and accepts any charset, answers invalid JSON with 415 instead of 400, and refuses a
 * body-less request (every GET) unless the content-type check is switched off.
 */
import type { MiddlewareObj } from '@middy/core';
import { ValidationError } from '../../core/errors';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './http-errors';
import { headerValue, type HttpResult, type JsonHttpEvent } from './http-types';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export function jsonBody(options: { maxBytes?: number } = {}): MiddlewareObj<JsonHttpEvent, HttpResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  return {
    name: 'jsonBody',
    before: (request) => {
      const event = request.event;
      delete event.jsonBody;
      const raw = event.body;
      if (raw === undefined || raw === null || raw === '') return;
      // Size before decoding: base64 is 4/3 of the bytes, so its length bounds the work done here.
      if (raw.length > Math.ceil((maxBytes * 4) / 3) + 4) throw new PayloadTooLargeError(maxBytes);
      const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
      if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
      if (!isJsonMediaType(headerValue(event, 'content-type'))) throw new UnsupportedMediaTypeError();
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
      try {
        event.jsonBody = JSON.parse(text.decode(bytes)) as unknown;
      } catch {
        throw new ValidationError('The request body is not valid UTF-8 JSON.', [{ path: 'body', message: 'invalid JSON' }]);
      }
    },
  };
}

/** `application/json` or `application/<x>+json`, optionally with `charset=utf-8`. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type = '', ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (!/^application\/([a-z0-9.-]+\+)?json$/.test(type)) return false;
  return params.every((param) => !param.startsWith('charset=') || param.replace(/"/g, '') === 'charset=utf-8');
}
