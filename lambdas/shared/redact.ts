/**
 * Last line of defence before anything is logged: removes stream keys and bearer tokens from free text
 * (error messages and stacks of third-party code). Callers still must not pass secrets in.
 */
import { redactStreamKeys } from '../../core/streams/stream-key';

export function redactText(text: string): string {
  return redactStreamKeys(text).replace(/(bearer\s+)\S+/gi, '$1[redacted]');
}

/** What of an error may be logged: name, code, redacted message and stack, and the same for its cause. */
export function describeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: redactText(String(error)).slice(0, 500) };
  const out: Record<string, unknown> = { name: error.name, message: redactText(error.message) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  if (error.stack) out.stack = redactText(error.stack);
  if (error.cause !== undefined && depth < 3) out.cause = describeError(error.cause, depth + 1);
  return out;
}
