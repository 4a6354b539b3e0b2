/**
 * Waiting until a condition over the packager's state holds, woken by `notify` when that state changes
 * (a segment published, a worker idle) rather than by polling. Must never wait past its deadline.
 */
export class ConditionWaiter {
  private waiters: Array<() => void> = [];

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** True once `condition` holds; false if `timeoutMs` passed first. */
  async waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
    return true;
  }
}
