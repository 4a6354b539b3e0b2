/**
 * Middleware giving every API request an id (API Gateway's, or a fresh one) echoed as `x-request-id`,
 * and one log line per request: method, path, status, duration, error code. Never logs headers, bodies
 * or query values verbatim (bodies and responses can hold a stream key; headers hold the API token).
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/ports/logger';
import type { HttpEvent, HttpResult } from './http-types';
import { describeError, redactText } from './redact';

const REQUEST_ID = /^[A-Za-z0-9=_.:-]{1,128}$/;

interface RequestState {
  requestId: string;
  startedAt: number;
}

export function requestLogger(options: { logger: Logger }): MiddlewareObj<HttpEvent, HttpResult> {
  const states = new WeakMap<object, RequestState>();

  const finish = (request: Request<HttpEvent, HttpResult>): void => {
    const state = states.get(request) ?? { requestId: randomUUID(), startedAt: performance.now() };
    const response = request.response;
    if (response) response.headers = { ...response.headers, 'x-request-id': state.requestId };
    const status = response?.statusCode ?? 500;
    const http = request.event.requestContext?.http;
    const fields: Record<string, unknown> = {
      requestId: state.requestId,
      method: http?.method,
      path: redactText(String(request.event.rawPath ?? http?.path ?? '')).slice(0, 300),
      status,
      durationMs: Math.round((performance.now() - state.startedAt) * 10) / 10,
    };
    const error = request.error;
    if (error) fields.errorCode = (error as { code?: unknown }).code ?? 'internal';
    if (status >= 500) options.logger.error('request failed', { ...fields, error: describeError(error) });
    else options.logger.info('request', fields);
  };

  return {
    name: 'requestLogger',
    before: (request) => {
      const given = request.event.requestContext?.requestId;
      states.set(request, { requestId: typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID(), startedAt: performance.now() });
    },
    after: finish,
    onError: finish,
  };
}
