/**
 * Middleware turning any thrown error into a problem+json response. Known codes keep their message
 * (written for callers, never containing secrets); anything else becomes a bare 500 so no internal
 * detail (SDK messages, stack, table names) ever leaves the plane. Logging is request-logger's job.
 * Kept instead of @middy/http-error-handler (6.4.5): that writes the error's message as a text/plain or
 * application/json body (never RFC 9457 `application/problem+json` with a stable `code`), adds a
 * `Content-Type` beside our `content-type`, and logs with console.error by default.
 */
import type { MiddlewareObj } from '@middy/core';
import { StreamplaneError } from '../../core/errors';
import { MethodNotAllowedError } from './http-errors';
import type { HttpEvent, HttpResult } from './http-types';
import { problemResponse, STATUS_BY_CODE } from './problem';

export function errorToProblem(error: unknown): HttpResult {
  if (error instanceof MethodNotAllowedError) {
    return problemResponse(405, 'method_not_allowed', error.message, { headers: { allow: error.allow.join(', ') } });
  }
  if (error instanceof StreamplaneError && error.code !== 'internal') {
    const status = STATUS_BY_CODE[error.code];
    if (status !== undefined) {
      const headers: Record<string, string> = error.code === 'unauthorized' ? { 'www-authenticate': 'Bearer realm="streamplane"' } : {};
      return problemResponse(status, error.code, error.message, { headers, ...(error.details ? { errors: error.details } : {}) });
    }
  }
  return problemResponse(500, 'internal', 'An unexpected error occurred. Quote the x-request-id response header when reporting it.');
}

export function httpProblemErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    name: 'httpProblemErrors',
    onError: (request) => {
      // Returning nothing keeps the remaining onError middlewares (the request logger) running.
      request.response = errorToProblem(request.error);
    },
  };
}
