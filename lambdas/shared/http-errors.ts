/**
 * Errors that only exist at the HTTP edge (core never knows about bearer tokens, bodies or routes).
 * They reuse core's stable codes where one fits, so the problem mapping has a single table.
 */
import { StreamplaneError } from '../../core/errors';

export class UnauthorizedError extends StreamplaneError {
  override readonly name = 'UnauthorizedError';
  constructor() {
    super('unauthorized', 'A valid bearer token is required.');
  }
}

export class PayloadTooLargeError extends StreamplaneError {
  override readonly name = 'PayloadTooLargeError';
  constructor(maxBytes: number) {
    super('payload_too_large', `The request body must be at most ${maxBytes} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends StreamplaneError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor() {
    super('unsupported_media_type', 'The request body must be JSON (content-type: application/json).');
  }
}

export class RouteNotFoundError extends StreamplaneError {
  override readonly name = 'RouteNotFoundError';
  constructor() {
    super('not_found', 'No such resource.');
  }
}

/** Not a domain outcome, so not a core code: the problem body says `method_not_allowed`. */
export class MethodNotAllowedError extends Error {
  override readonly name = 'MethodNotAllowedError';
  readonly code = 'method_not_allowed';
  readonly allow: ReadonlyArray<string>;
  constructor(method: string, allow: ReadonlyArray<string>) {
    super(`${method} is not allowed here; use ${allow.join(', ')}.`);
    this.allow = allow;
  }
}
