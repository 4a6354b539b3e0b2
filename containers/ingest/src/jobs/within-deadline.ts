/**
 * Waits for work up to a deadline: what makes the channel and lease stops bounded when a store, the
 * queue or a child process does not answer. Must never: cancel or swallow the work itself — it keeps
 * running; only the waiting ends.
 */

/** True when `work` settled (resolved or rejected) within `ms`; false when the deadline came first. */
export async function withinDeadline(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!work) return true;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
