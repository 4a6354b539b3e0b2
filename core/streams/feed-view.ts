/**
 * Backup ingest on the stream record, the pure part: the encoder feeds (primary, backup) of the open
 * session as stored and as shown (`ingest.feeds`), and the join rule at the publish gate. The writes that
 * change them are in stream-feeds.ts.
 * Must never: let a third publisher join (a role already present refuses).
 */
import { FEED_ROLES, otherRole, type FeedRole } from '../channels/backup-selector';
import type { Stream } from './stream';

export const FEED_STATES = ['active', 'standby', 'absent'] as const;
export type FeedState = (typeof FEED_STATES)[number];

export interface StoredFeed {
  state: FeedState;
  /** When it entered that state. */
  since: string;
}
export type StreamFeeds = Partial<Record<FeedRole, StoredFeed>>;

export interface FeedView {
  role: FeedRole;
  state: FeedState;
  /** When the feed entered its state; null for a feed that never connected. */
  since: string | null;
}

/** `ingest.feeds`: both roles, always in the order primary, backup. */
export function feedsView(stream: Pick<Stream, 'feeds' | 'status'>): FeedView[] {
  return FEED_ROLES.map((role) => {
    const stored = stream.feeds?.[role];
    // Records from before backup ingest: a live session without feeds is fed by its primary.
    if (!stored && role === 'primary' && !stream.feeds && (stream.status === 'connected' || stream.status === 'live')) return { role, state: 'active', since: null };
    return stored ? { role, state: stored.state, since: stored.since } : { role, state: 'absent', since: null };
  });
}

export function isPresent(feeds: StreamFeeds | undefined, role: FeedRole): boolean {
  const state = feeds?.[role]?.state;
  return state === 'active' || state === 'standby';
}

/**
 * A publish of `role` while the session is open and fed: it joins as standby unless that role is already
 * there (undefined: refuse, `already_publishing`).
 */
export function joinedAsStandby(current: Stream, role: FeedRole, now: string): Stream | undefined {
  const feeds = current.feeds ?? { primary: { state: 'active', since: current.updatedAt } };
  if (isPresent(feeds, role) || !isPresent(feeds, otherRole(role))) return undefined;
  return { ...current, feeds: { ...feeds, [role]: { state: 'standby', since: now } } };
}

/** A publish of `role` opens or resumes the session: it is the active feed; the other keeps its record. */
export function connectedAsActive(current: Stream, role: FeedRole, now: string): StreamFeeds {
  const other = otherRole(role);
  const previous = current.feeds?.[other];
  return { [role]: { state: 'active', since: now }, ...(previous ? { [other]: { state: 'absent', since: previous.state === 'absent' ? previous.since : now } } : {}) };
}

