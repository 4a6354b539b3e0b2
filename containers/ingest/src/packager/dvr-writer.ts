/**
 * The DVR playlists of a recorded session: `live/<streamId>/<rendition>/dvr.m3u8` lists the session so
 * far, sliding over the stream's DVR window, and `live/<streamId>/dvr.m3u8` is their master. They name
 * the very segment objects the live playlists name (under `recordings/<rec>/`), so nothing is copied,
 * and the origin/CDN applies the stream's playback policy to them like to any other playlist.
 *
 * Kept apart from the live playlist writer on purpose: it is best effort (a failed DVR write is logged
 * and retried with the next segment), so it can never hold up or break live output.
 *
 * A new packager of the same recording (encoder reconnect, plane restart) first reads the stored DVR
 * playlists back (`resume`), so the window a viewer can seek survives it.
 *
 * Must never: write before the rendition has a segment, or name a segment outside the recording.
 */
import { liveSegmentsFromPlaylist, parseMediaPlaylist, targetDurationFor, writeMasterPlaylist } from '../../../../core/hls/playlist';
import { dvrPlaylistUri, liveDvrMasterPlaylistKey, liveDvrMediaPlaylistKey, recordingRenditionPrefix, roundsPrefix, segmentUri } from '../../../../core/media/layout';
import { LIVE_OBJECT_REFRESH_MS, liveObjectRefreshDue } from '../../../../core/media/live-refresh';
import type { Logger } from '../../../../core/ports/logger';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { describeError } from './errors';
import { PLAYLIST_PUT_OPTIONS } from './playlist-writer';
import { RenditionTrack, type GapFiller, type TrackEntry } from './rendition-track';
import type { RenditionPlan } from './types';

export interface DvrWriterOptions {
  streamId: string;
  recordingId: string;
  plans: ReadonlyArray<RenditionPlan>;
  store: Pick<ObjectStore, 'put' | 'get'>;
  windowSeconds: number;
  segmentSeconds: number;
  logger: Logger;
  /** How often the stored DVR master is rewritten while segments flow. Default LIVE_OBJECT_REFRESH_MS. */
  masterRefreshMs?: number;
}

export class DvrWriter {
  private readonly tracks = new Map<string, RenditionTrack>();
  private readonly windowSegments: number;
  private readonly masterText: string;
  /** When the DVR master was last stored (ms since the epoch); rewritten like the live master (live-refresh.ts). */
  private masterStoredAtMs: number | undefined;
  private masterWriting = false;
  private targetDuration: number;

  constructor(private readonly options: DvrWriterOptions) {
    // One more segment than the window holds, so a full window is always seekable.
    this.windowSegments = Math.max(4, Math.ceil(options.windowSeconds / options.segmentSeconds) + 1);
    for (const plan of options.plans) this.tracks.set(plan.name, this.newTrack(plan.name));
    this.targetDuration = targetDurationFor([], options.segmentSeconds);
    this.masterText = writeMasterPlaylist({
      variants: options.plans.map((p) => ({
        uri: dvrPlaylistUri(p.name),
        bandwidth: p.bandwidth,
        ...(p.averageBandwidth !== undefined ? { averageBandwidth: p.averageBandwidth } : {}),
        codecs: p.codecs,
        ...(p.width !== undefined && p.height !== undefined ? { resolution: { width: p.width, height: p.height } } : {}),
        ...(p.fps !== undefined ? { frameRate: p.fps } : {}),
      })),
    });
  }

  /**
   * Takes over the DVR window stored by an earlier packager of this recording. Only a playlist that is
   * still open and names nothing but this recording's segments of this rendition is adopted; anything
   * else (another session's, ended, unreadable, unreachable) leaves the window empty, as before.
   */
  async resume(): Promise<void> {
    for (const name of this.tracks.keys()) {
      try {
        const body = await this.options.store.get(liveDvrMediaPlaylistKey(this.options.streamId, name));
        if (!body) continue;
        const parsed = parseMediaPlaylist(Buffer.from(body).toString('utf8'));
        // The rendition's own segments, or (segment rounds) round objects of this recording.
        const ours = [`../../../${recordingRenditionPrefix(this.options.recordingId, name)}`, `../../../${roundsPrefix(this.options.streamId, this.options.recordingId)}`];
        const window = liveSegmentsFromPlaylist(parsed).slice(-this.windowSegments);
        const tail = window.at(-1);
        if (parsed.endList || !tail || !window.every((s) => ours.some((prefix) => s.uri.startsWith(prefix)))) continue;
        this.tracks.set(name, this.newTrack(name, { window, nextSequence: tail.sequence + 1 }));
        this.targetDuration = Math.max(this.targetDuration, parsed.targetDuration);
      } catch (err) {
        this.options.logger.warn('packager: stored DVR playlist not resumed; the DVR window starts again', { streamId: this.options.streamId, rendition: name, error: describeError(err) });
      }
    }
  }

  /** Adds a published segment (or gap) and stores the rendition's DVR playlist, then the master once all have one. */
  async append(rendition: string, entry: TrackEntry, fill: GapFiller, nowMs: number): Promise<void> {
    const track = this.tracks.get(rendition);
    if (!track) return;
    // A resumed window can only be behind live numbering; a segment below it is already listed.
    if (entry.sequence < track.nextSequence) return;
    track.append(entry, fill);
    await this.store(rendition, track, false);
    const due = this.masterStoredAtMs === undefined || liveObjectRefreshDue(this.masterStoredAtMs, nowMs, this.options.masterRefreshMs ?? LIVE_OBJECT_REFRESH_MS);
    // Renditions append concurrently: one write at a time, so two segments never both write the master.
    if (due && !this.masterWriting && [...this.tracks.values()].every((t) => t.hasSegments)) {
      this.masterWriting = true;
      try {
        await this.options.store.put(liveDvrMasterPlaylistKey(this.options.streamId), this.masterText, PLAYLIST_PUT_OPTIONS);
        this.masterStoredAtMs = nowMs;
      } catch (err) {
        this.options.logger.warn('packager: DVR master write failed; retrying with the next segment', { streamId: this.options.streamId, error: describeError(err) });
      } finally {
        this.masterWriting = false;
      }
    }
  }

  /** The session ended: the DVR playlists become complete (EXT-X-ENDLIST), so players can seek all of it. */
  async finish(endList: boolean): Promise<void> {
    for (const [rendition, track] of this.tracks) if (track.hasSegments && (endList || track.dirty)) await this.store(rendition, track, endList);
  }

  private newTrack(rendition: string, resumed?: ConstructorParameters<typeof RenditionTrack>[2]): RenditionTrack {
    const { recordingId } = this.options;
    return new RenditionTrack(rendition, this.windowSegments, resumed, (entry) => segmentUri(rendition, { sequence: entry.sequence, duration: entry.duration, discontinuitySequence: entry.discontinuitySequence }, recordingId));
  }

  private async store(rendition: string, track: RenditionTrack, endList: boolean): Promise<void> {
    this.targetDuration = targetDurationFor(track.durations(), this.targetDuration);
    try {
      await this.options.store.put(liveDvrMediaPlaylistKey(this.options.streamId, rendition), track.render({ targetDuration: this.targetDuration, endList }), PLAYLIST_PUT_OPTIONS);
      track.dirty = false;
    } catch (err) {
      this.options.logger.warn('packager: DVR playlist write failed; retrying with the next segment', { streamId: this.options.streamId, rendition, error: describeError(err) });
    }
  }
}
