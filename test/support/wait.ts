/**
 * Waiting in tests: polling with a deadline, never a bare sleep. `waitFor` waits for something to become
 * true; `staysTrue` shows that something does not happen by polling the condition that would break if it
 * did, failing the moment it breaks.
 */

export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls `probe` until it returns a value (not undefined or false), or fails at the deadline with the last error. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, options: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError instanceof Error ? lastError.message : String(lastError)}` : ''}`);
    }
    await pause(options.intervalMs ?? 200);
  }
}

/** Polls `condition` for `forMs` and fails as soon as it is false (or throws). */
export async function staysTrue(what: string, condition: () => Promise<boolean> | boolean, options: { forMs: number; intervalMs?: number }): Promise<void> {
  const until = Date.now() + options.forMs;
  for (;;) {
    if (!(await condition())) throw new Error(`no longer true: ${what}`);
    if (Date.now() >= until) return;
    await pause(Math.min(options.intervalMs ?? 20, Math.max(1, until - Date.now())));
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
