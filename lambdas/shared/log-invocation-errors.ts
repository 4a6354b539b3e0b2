/**
 * Middleware for non-HTTP handlers: logs a failed invocation (redacted) and lets the error propagate,
 * so the caller sees the failure (the ingest refuses the publish; a queue retries the message).
 */
import type { MiddlewareObj } from '@middy/core';
import type { Logger } from '../../core/ports/logger';
import { describeError } from './redact';

export function logInvocationErrors(options: { logger: Logger; operation: string }): MiddlewareObj {
  return {
    name: 'logInvocationErrors',
    onError: (request) => {
      options.logger.error(`${options.operation} failed`, { error: describeError(request.error) });
    },
  };
}
