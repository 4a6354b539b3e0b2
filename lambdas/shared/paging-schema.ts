/** Query parameters every listing shares: a page size from 1 to a maximum, and an opaque cursor. */
import { z } from 'zod';

/** `?limit=` as sent (a string), checked and turned into a number from 1 to `max`. */
export function pageLimit(max: number) {
  const message = `must be an integer from 1 to ${max}`;
  return z.string().regex(/^\d{1,3}$/, message).transform(Number).pipe(z.number().int().min(1, message).max(max, message));
}

/** `?cursor=`: the `next` value of the previous page. */
export const pageCursor = z.string().min(1).max(512).describe('The `next` value of the previous page.');
