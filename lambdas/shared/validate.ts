/** Parsing input with a zod schema at the edge: failure is a ValidationError with safe field details. */
import type { z } from 'zod';
import { ValidationError } from '../../core/errors';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.slice(0, 20).map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ValidationError(where === 'body' ? 'The request body is not valid.' : 'The query parameters are not valid.', details);
}
