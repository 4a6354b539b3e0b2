/**
 * The packager's own error and how it describes foreign ones in logs.
 * Must never put a secret into a message: errors here come from the store and the file system only.
 */
export class PackagerStateError extends Error {
  override readonly name = 'PackagerStateError';
  readonly code = 'packager_state';
}

export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
