/**
 * Backup ingest on the stream record: the conditional writes that change which encoder feeds (primary,
 * backup) are connected to the open session and which one is on air (the view is feed-view.ts). Every
 * write checks the session id, so a late disconnect of an older session never touches a newer one; the
 * last feed to leave is told so (the caller then interrupts the session as for a single encoder).
 * Must never: leave a session marked fed when no feed is connected.
 */
import { NotFoundError } from '../errors';
import { otherRole, type FeedRole } from '../channels/backup-selector';
import type { SessionDeps } from './publish-session';
import { mutateStream } from './stream-registry';
import { isPresent, type StreamFeeds } from './feed-view';

export { FEED_STATES, feedsView, isPresent, type FeedState, type FeedView, type StoredFeed, type StreamFeeds } from './feed-view';

/** The ingest switched feeds (a takeover): `to` is on air, `from` in standby (or absent when it left). */
export async function recordTakeover(deps: SessionDeps, streamId: string, sessionId: string, to: FeedRole): Promise<boolean> {
  const now = deps.clock.now().toISOString();
  return writeFeeds(deps, streamId, sessionId, (feeds) => {
    const from = otherRole(to);
    const next: StreamFeeds = { ...feeds, [to]: { state: 'active', since: now } };
    if (isPresent(feeds, from)) next[from] = { state: 'standby', since: now };
    return next;
  });
}

/**
 * The publisher of `role` went away: its feed is absent. True when the other feed is still connected (the
 * session stays open and fed, nothing else changes); false when it was the last one, or the session is
 * no longer this one.
 */
export async function leaveFeed(deps: SessionDeps, streamId: string, sessionId: string, role: FeedRole): Promise<boolean> {
  const now = deps.clock.now().toISOString();
  let othersPresent = false;
  await writeFeeds(deps, streamId, sessionId, (feeds) => {
    othersPresent = isPresent(feeds, otherRole(role));
    if (!feeds[role] && !othersPresent) return undefined;
    return { ...feeds, [role]: { state: 'absent', since: now } };
  });
  return othersPresent;
}

async function writeFeeds(deps: SessionDeps, streamId: string, sessionId: string, change: (feeds: StreamFeeds) => StreamFeeds | undefined): Promise<boolean> {
  try {
    const result = await mutateStream(deps, streamId, (current) => {
      if (current.sessionId !== sessionId) return undefined;
      const feeds = change(current.feeds ?? {});
      return feeds ? { ...current, feeds } : undefined;
    });
    return result !== undefined;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}
