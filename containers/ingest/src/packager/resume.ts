/**
 * What is already published for a stream, read back so a new packager (plane restart, encoder reconnect)
 * continues numbering instead of starting over. Reads each rendition's media playlist and also lists the
 * rendition's segment objects: a crash between a segment upload and its playlist write leaves an object
 * no playlist mentions, and reusing its number would overwrite an object CDNs cache as immutable.
 * With playlists bundled (`live/<id>/playlists.json`, core/hls/playlist-bundle.ts) the bundle's copy is
 * read too, and of the two the one listing further wins (a deployment may switch between the modes).
 * Segment rounds (`live/<id>/rounds/`, `recordings/<rec>/rounds/`) are listed once per stream and count
 * for each rendition they hold a member of, whichever layout the earlier session used (a stream may switch,
 * and scratch recovery stores per-rendition objects): both layouts reserve their sequence numbers.
 * Must never guess: store errors propagate (the caller retries) rather than resuming from nothing.
 */
import { livePlaylistBundleKey, parsePlaylistBundle } from '../../../../core/hls/playlist-bundle';
import { liveSegmentsFromPlaylist, parseMediaPlaylist, PlaylistError, type LiveSegment } from '../../../../core/hls/playlist';
import type { Logger } from '../../../../core/ports/logger';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { liveMediaPlaylistKey, liveRenditionPrefix, parseSegmentFileName, recordingRenditionPrefix, roundOfKey, roundsPrefix, sequenceOfKey, type RoundName } from '../../../../core/media/layout';

export interface ResumedRendition {
  /** Segments to keep showing; empty when the previous session ended (its playlist had EXT-X-ENDLIST). */
  window: LiveSegment[];
  /** The sequence that follows the playlist's last segment. */
  nextSequence: number;
  /**
   * First sequence no stored object uses (>= nextSequence). Numbers in between belong to orphans: never
   * reused (CDNs cache them as immutable), and published as gaps so the window stays consecutive.
   */
  reservedUntil: number;
  /** The last published segment's numbers, kept even when the window is dropped. */
  last?: { sequence: number; discontinuitySequence: number };
  /**
   * Highest discontinuity number in the names of stored segments (orphans included): a new run must get a
   * higher one, or the recording would join an orphan and the new run without a discontinuity.
   */
  storedDiscontinuitySequence?: number;
  targetDuration?: number;
}

export interface ResumeState {
  renditions: Map<string, ResumedRendition>;
  /** Highest discontinuity number published so far, when anything was. */
  lastDiscontinuitySequence?: number;
  targetDuration?: number;
}

/**
 * `recordingId`: the session is recorded, so its segments sit under `recordings/<recordingId>/` and an
 * orphan from a crash is found there (a reconnect or plane restart continues the same recording).
 */
export async function loadResumeState(store: ObjectStore, streamId: string, renditions: ReadonlyArray<string>, logger: Logger, recordingId?: string): Promise<ResumeState> {
  const state: ResumeState = { renditions: new Map() };
  const bundleBody = await store.get(livePlaylistBundleKey(streamId));
  const bundle = bundleBody === undefined ? undefined : parsePlaylistBundle(Buffer.from(bundleBody).toString('utf8'));
  if (bundleBody !== undefined && !bundle) logger.error('packager: stored playlist bundle is unreadable; resuming from the rendition playlists and stored segments', { streamId });
  const rounds: RoundName[] = [];
  for (const prefix of [roundsPrefix(streamId), ...(recordingId ? [roundsPrefix(streamId, recordingId)] : [])]) {
    for (const object of await store.list(prefix)) {
      const round = roundOfKey(prefix, object.key);
      if (round) rounds.push(round);
    }
  }
  for (const name of renditions) {
    const resumed = await loadRendition(store, streamId, name, logger, recordingId, bundle?.get(name), rounds);
    state.renditions.set(name, resumed);
    for (const disc of [resumed.last?.discontinuitySequence, resumed.storedDiscontinuitySequence]) {
      if (disc !== undefined) state.lastDiscontinuitySequence = Math.max(state.lastDiscontinuitySequence ?? 0, disc);
    }
    if (resumed.targetDuration !== undefined) state.targetDuration = Math.max(state.targetDuration ?? 0, resumed.targetDuration);
  }
  return state;
}

/** Of the rendition's own playlist and the bundle's copy, the text that lists further (either may be absent). */
function furthest(own: string | undefined, bundled: string | undefined): string | undefined {
  if (own === undefined || bundled === undefined) return own ?? bundled;
  const next = (text: string) => {
    try {
      const p = parseMediaPlaylist(text);
      return p.mediaSequence + p.segments.length;
    } catch {
      return -1;
    }
  };
  return next(bundled) >= next(own) ? bundled : own;
}

async function loadRendition(store: ObjectStore, streamId: string, name: string, logger: Logger, recordingId?: string, bundled?: string, rounds: ReadonlyArray<RoundName> = []): Promise<ResumedRendition> {
  const out: ResumedRendition = { window: [], nextSequence: 0, reservedUntil: 0 };
  const ownBody = await store.get(liveMediaPlaylistKey(streamId, name));
  const text = furthest(ownBody === undefined ? undefined : Buffer.from(ownBody).toString('utf8'), bundled);
  if (text !== undefined) {
    try {
      const parsed = parseMediaPlaylist(text);
      const segments = liveSegmentsFromPlaylist(parsed);
      const tail = segments.at(-1);
      out.nextSequence = parsed.mediaSequence + parsed.segments.length;
      out.targetDuration = parsed.targetDuration;
      if (tail) out.last = { sequence: tail.sequence, discontinuitySequence: tail.discontinuitySequence };
      // An ended session's tail would be the first thing a new viewer plays; a crashed one's is what current
      // viewers are watching and must stay so their next refresh continues it.
      if (!parsed.endList) out.window = segments;
    } catch (err) {
      if (!(err instanceof PlaylistError)) throw err;
      logger.error('packager: stored media playlist is unreadable; resuming numbering from stored segments', { streamId, rendition: name, error: err.message });
    }
  }
  let highest = -1;
  const prefixes = [liveRenditionPrefix(streamId, name), ...(recordingId ? [recordingRenditionPrefix(recordingId, name)] : [])];
  for (const prefix of prefixes) {
    for (const object of await store.list(prefix)) {
      const seq = sequenceOfKey(prefix, object.key);
      if (seq !== undefined && seq > highest) highest = seq;
      const disc = parseSegmentFileName(object.key.slice(prefix.length))?.disc;
      if (disc !== undefined) out.storedDiscontinuitySequence = Math.max(out.storedDiscontinuitySequence ?? 0, disc);
    }
  }
  for (const round of rounds) {
    if (!round.members.some((m) => m.rendition === name)) continue;
    if (round.seq > highest) highest = round.seq;
    out.storedDiscontinuitySequence = Math.max(out.storedDiscontinuitySequence ?? 0, round.disc);
  }
  out.reservedUntil = Math.max(out.nextSequence, highest + 1);
  if (out.reservedUntil > out.nextSequence) {
    logger.warn('packager: stored segments beyond the playlist (a crash between upload and playlist write); not reusing their numbers', {
      streamId,
      rendition: name,
      playlistNext: out.nextSequence,
      storedNext: out.reservedUntil,
    });
  }
  return out;
}
