/**
 * Typed domain errors. Each carries a stable `code` that the edge maps to an HTTP status and an
 * `application/problem+json` body. Core never decides HTTP statuses; it only names what went wrong.
 */
export type ErrorCode =
  | 'validation'
  | 'invalid_id'
  | 'not_found'
  | 'duplicate'
  | 'disabled'
  | 'illegal_transition'
  | 'conflict'
  | 'unauthorized'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'forbidden'
  | 'in_use'
  | 'unknown_media'
  | 'media_not_ready'
  | 'internal';

export class StreamplaneError extends Error {
  override readonly name: string = 'StreamplaneError';
  readonly code: ErrorCode;
  /** Field-level details safe to show to the caller (never secrets). */
  readonly details?: ReadonlyArray<{ path: string; message: string }>;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: ReadonlyArray<{ path: string; message: string }> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.details) this.details = options.details;
  }
}

export class ValidationError extends StreamplaneError {
  override readonly name = 'ValidationError';
  constructor(message: string, details?: ReadonlyArray<{ path: string; message: string }>, options?: { cause?: unknown }) {
    super('validation', message, { ...(details ? { details } : {}), ...(options?.cause !== undefined ? { cause: options.cause } : {}) });
  }
}

export class InvalidIdError extends StreamplaneError {
  override readonly name = 'InvalidIdError';
  constructor(kind: string) {
    super('invalid_id', `The ${kind} id is not valid.`);
  }
}

export class NotFoundError extends StreamplaneError {
  override readonly name = 'NotFoundError';
  constructor(kind: string, id: string) {
    super('not_found', `No ${kind} with id ${id}.`);
  }
}

export class DuplicateError extends StreamplaneError {
  override readonly name = 'DuplicateError';
  constructor(message: string) {
    super('duplicate', message);
  }
}

export class StreamDisabledError extends StreamplaneError {
  override readonly name = 'StreamDisabledError';
  constructor(id: string) {
    super('disabled', `Stream ${id} is disabled.`);
  }
}

export class IllegalTransitionError extends StreamplaneError {
  override readonly name = 'IllegalTransitionError';
  readonly from: string;
  readonly action: string;
  constructor(from: string, action: string) {
    super('illegal_transition', `Cannot ${action} a stream that is ${from}.`);
    this.from = from;
    this.action = action;
  }
}

/** A conditional write lost a race (optimistic concurrency). Callers re-read and retry. */
export class ConflictError extends StreamplaneError {
  override readonly name = 'ConflictError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', message, options);
  }
}
