/**
 * Small pieces every DynamoDB adapter needs the same way: turning a lost conditional write into the
 * domain's outcome, opaque pagination cursors, and list-limit checks. Cursors come back from outside, so
 * they are parsed against a schema, never trusted: anything else is a ValidationError, not a query with
 * attacker-chosen keys. Must never swallow an error that is not a lost condition.
 */
import type { z } from 'zod';
import { ValidationError } from '../core/errors';

const MAX_CURSOR_LENGTH = 512;

export function isConditionFailure(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/**
 * The write's result, or `onFailed(failure)` when DynamoDB refused it because its condition did not hold
 * (which may also throw a domain error). Every other error propagates unchanged.
 */
export async function ifCondition<O, F>(write: Promise<O>, onFailed: (failure: Error) => F): Promise<O | F> {
  try {
    return await write;
  } catch (err) {
    if (isConditionFailure(err)) return onFailed(err);
    throw err;
  }
}

/** True when the conditional write landed, false when its condition did not hold. */
export function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  return ifCondition(
    write.then(() => true),
    () => false,
  );
}

/** The conditional write; when its condition did not hold, the error `refusal` makes of it is thrown. */
export async function writeOrThrow(write: Promise<unknown>, refusal: (failure: Error) => Error): Promise<void> {
  await ifCondition(write, (failure) => {
    throw refusal(failure);
  });
}

/** ValidationError unless `limit` is an integer from 1 to `max`. */
export function checkLimit(limit: number, max: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new ValidationError(`limit must be an integer from 1 to ${max}.`, [{ path: 'limit', message: 'out of range' }]);
  }
}

/** Copies the defined `fields` of `source` onto `target` so storage attributes never reach a model and absent optional fields stay absent. */
export function copyDefined<T extends object>(target: T, source: T, fields: ReadonlyArray<keyof T>): T {
  for (const field of fields) if (source[field] !== undefined) target[field] = source[field];
  return target;
}

export function encodeCursor(position: object): string {
  return Buffer.from(JSON.stringify({ v: 1, ...position }), 'utf8').toString('base64url');
}

export function invalidCursor(): ValidationError {
  return new ValidationError('The cursor is not valid.', [{ path: 'cursor', message: 'not a cursor returned by this API' }]);
}

/** The cursor's contents if it is one `encodeCursor` wrote and `schema` (which must expect `v: 1`) accepts. */
export function decodeCursor<S extends z.ZodType>(cursor: string, schema: S): z.infer<S> {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw invalidCursor();
  return result.data;
}
