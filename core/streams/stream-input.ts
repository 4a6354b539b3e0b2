/**
 * Validation of stream settings coming from outside (API bodies, CLI flags). Names are shown in
 * dashboards and event payloads, so control characters, path-like and markup-hostile names are refused
 * rather than cleaned up silently.
 */
import { z } from 'zod';
import { MAX_RECONNECT_WINDOW_SECONDS } from './stream';

// Letters, marks, numbers, punctuation and spaces; no control/format characters, no path separators.
const NAME_PATTERN = /^[\p{L}\p{M}\p{N}\p{Zs}\p{Pd}\p{Pc}.,:;!?'"()&+#@]+$/u;

export const streamName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((v) => NAME_PATTERN.test(v), 'may contain only letters, numbers, spaces and common punctuation')
  .refine((v) => !v.includes('..'), 'must not contain ".."');

export const reconnectWindowSeconds = z.number().int().min(0).max(MAX_RECONNECT_WINDOW_SECONDS);

export const createStreamInput = z
  .object({
    name: streamName,
    recording: z.boolean().optional(),
    reconnectWindowSeconds: reconnectWindowSeconds.optional(),
  })
  .strict();
export type CreateStreamInput = z.infer<typeof createStreamInput>;

export const updateStreamInput = z
  .object({
    name: streamName.optional(),
    recording: z.boolean().optional(),
    reconnectWindowSeconds: reconnectWindowSeconds.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field must be given');
export type UpdateStreamInput = z.infer<typeof updateStreamInput>;
