/**
 * Small pieces every DynamoDB adapter needs the same way: recognising a lost conditional write, and
 * opaque pagination cursors. Cursors come back from outside, so they are parsed against a schema, never
 * trusted: anything else is a ValidationError, not a query with attacker-chosen keys.
 */
import type { z } from 'zod';
import { ValidationError } from '../core/errors';

const MAX_CURSOR_LENGTH = 512;

export function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
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
