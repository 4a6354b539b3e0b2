/**
 * Which live segments retention may delete (the local plane's sweeper applies it; in the cloud an S3
 * lifecycle rule on `live/` is the coarse equivalent). A pure rule over a listing of one stream's folder:
 *   - a deleted stream loses its whole `live/<streamId>/` folder;
 *   - a stream without an open session loses its segments once it has been idle `retentionMs` (its
 *     playlists stay: the packager resumes numbering from them, and a reused name could be served stale);
 *   - a stream with an open session keeps every segment its live playlists name, and every segment less
 *     than `retentionMs` of media behind the newest one of its rendition.
 *
 * Segment rounds (`live/<streamId>/rounds/…`, core/media/layout.ts) are named by several renditions'
 * playlists at once: a round is deleted only when no live playlist names it and it is `retentionMs` of
 * media behind the newest round, and none at all while any rendition's playlist is unreadable.
 *
 * Must never choose a segment a live playlist names, a segment whose age it cannot tell, or anything of a
 * rendition whose playlist could not be read; and never do I/O (the caller reads the playlists).
 */
import { parseMediaPlaylist, PlaylistError } from '../hls/playlist';
import { liveRenditionPrefix, parseLiveKey, parseRoundFileName, parseSegmentFileName, resolvePlaylistUri, ROUNDS_FOLDER } from './layout';

/** What retention knows of the stream whose live folder it looks at. */
export type LiveStreamState =
  | { kind: 'deleted' }
  /** No open session; `idleMs` since the stream last changed. */
  | { kind: 'idle'; idleMs: number }
  /**
   * An open session. `named`: per rendition, the keys its live playlist names (an empty set when it has
   * no playlist), or undefined when the playlist is unreadable right now.
   */
  | { kind: 'open'; named: ReadonlyMap<string, ReadonlySet<string> | undefined> };

interface AgedSegment {
  key: string;
  seq: number;
  durationMs: number;
}

/**
 * The segments of an open stream whose age can be told, by rendition: the renditions whose playlists
 * the caller must read for the `open` case.
 */
export function agedLiveSegments(objects: ReadonlyArray<{ key: string }>): Map<string, AgedSegment[]> {
  const byRendition = new Map<string, AgedSegment[]>();
  for (const o of objects) {
    if (!o.key.endsWith('.ts')) continue;
    const live = parseLiveKey(o.key);
    const parsed = live?.rendition !== undefined ? parseSegmentFileName(live.file) : undefined;
    if (live?.rendition === undefined || !parsed) continue; // a name without its duration: unknown age, kept until the session ends
    const list = byRendition.get(live.rendition) ?? [];
    list.push({ key: o.key, seq: parsed.seq, durationMs: parsed.durationMs });
    byRendition.set(live.rendition, list);
  }
  return byRendition;
}

/** The round objects of a stream's live folder whose age can be told (one duration per round: its longest member). */
export function agedLiveRounds(objects: ReadonlyArray<{ key: string }>): AgedSegment[] {
  const rounds: AgedSegment[] = [];
  for (const o of objects) {
    const live = parseLiveKey(o.key);
    if (live?.rendition !== ROUNDS_FOLDER) continue;
    const round = parseRoundFileName(live.file);
    if (round) rounds.push({ key: o.key, seq: round.seq, durationMs: Math.max(...round.members.map((m) => m.durationMs)) });
  }
  return rounds;
}

/** The renditions with a member in any round object of the stream's live folder. */
function roundMemberRenditions(objects: ReadonlyArray<{ key: string }>): Set<string> {
  const names = new Set<string>();
  for (const o of objects) {
    const live = parseLiveKey(o.key);
    if (live?.rendition !== ROUNDS_FOLDER) continue;
    for (const m of parseRoundFileName(live.file)?.members ?? []) names.add(m.rendition);
  }
  return names;
}

/** The renditions whose live playlists the `open` case needs: those with segments, and every round member. */
export function livePlaylistRenditions(objects: ReadonlyArray<{ key: string }>): Set<string> {
  return new Set([...agedLiveSegments(objects).keys(), ...roundMemberRenditions(objects)]);
}

/** The keys retention may delete from one stream's live folder (`objects`: its listing). */
export function expiredLiveObjects(objects: ReadonlyArray<{ key: string }>, stream: LiveStreamState, retentionMs: number): string[] {
  if (stream.kind === 'deleted') return objects.map((o) => o.key);
  if (stream.kind === 'idle') return stream.idleMs >= retentionMs ? objects.filter((o) => o.key.endsWith('.ts')).map((o) => o.key) : [];
  const doomed: string[] = [];
  for (const [rendition, list] of agedLiveSegments(objects)) {
    const named = stream.named.get(rendition);
    if (named === undefined) continue; // playlist unreadable right now: delete nothing
    const newestFirst = [...list].sort((a, b) => b.seq - a.seq);
    let behindMs = 0;
    for (const s of newestFirst) {
      if (behindMs >= retentionMs && !named.has(s.key)) doomed.push(s.key);
      behindMs += s.durationMs;
    }
  }
  const rounds = agedLiveRounds(objects);
  const members = roundMemberRenditions(objects);
  // Any member's playlist unreadable (or not asked for): it may name any round, so none is deleted.
  if (rounds.length > 0 && [...members].every((r) => stream.named.get(r) !== undefined)) {
    const named = new Set<string>();
    for (const set of stream.named.values()) for (const key of set ?? []) named.add(key);
    // Late members share a sequence with their round: age by distinct sequence numbers.
    const durationOf = new Map<number, number>();
    for (const r of rounds) durationOf.set(r.seq, Math.max(durationOf.get(r.seq) ?? 0, r.durationMs));
    const seqs = [...durationOf.keys()].sort((a, b) => b - a);
    const behind = new Map<number, number>();
    let behindMs = 0;
    for (const seq of seqs) {
      behind.set(seq, behindMs);
      behindMs += durationOf.get(seq) as number;
    }
    for (const r of rounds) if ((behind.get(r.seq) as number) >= retentionMs && !named.has(r.key)) doomed.push(r.key);
  }
  return doomed;
}

/**
 * The keys of every segment a rendition's live playlist names (URIs resolved against its folder, so a
 * recorded session's `../../../recordings/…` URIs name recording keys); undefined when it is unreadable.
 */
export function keysNamedByLivePlaylist(streamId: string, rendition: string, playlistText: string): Set<string> | undefined {
  const folder = liveRenditionPrefix(streamId, rendition);
  try {
    const playlist = parseMediaPlaylist(playlistText);
    return new Set(playlist.segments.map((s) => resolvePlaylistUri(folder, s.uri)).filter((k): k is string => k !== undefined));
  } catch (err) {
    if (err instanceof PlaylistError) return undefined;
    throw err;
  }
}
