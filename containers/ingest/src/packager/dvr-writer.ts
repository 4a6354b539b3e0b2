/**
 * The DVR playlists of a recorded session: `live/<streamId>/<rendition>/dvr.m3u8` lists the session so
 * far, sliding over the stream's DVR window, and `live/<streamId>/dvr.m3u8` is their master. They name
 * the very segment objects the live playlists name (under `recordings/<rec>/`), so nothing is copied,
 * and the origin/CDN applies the stream's playback policy to them like to any other playlist.
 *
 * Kept apart from the live playlist writer on purpose: it is best effort (a failed DVR write is logged
 * and retried with the next segment), so it can never hold up or break live output.
 *
 * Must never: write before the rendition has a segment, or name a segment outside the recording.
 */
import { targetDurationFor, writeMasterPlaylist } from '../../../../core/hls/playlist';
import { LIVE_OBJECT_REFRESH_MS, liveObjectRefreshDue } from '../../../../core/media/live-refresh';
import { dvrPlaylistUri, liveDvrMasterPlaylistKey, liveDvrMediaPlaylistKey, segmentUri } from '../../../../core/media/layout';
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
  store: Pick<ObjectStore, 'put'>;
  windowSeconds: number;
  segmentSeconds: number;
  logger: Logger;
  /** How often the stored DVR master is rewritten while segments flow. Default LIVE_OBJECT_REFRESH_MS. */
  masterRefreshMs?: number;
}

export class DvrWriter {
  private readonly tracks = new Map<string, RenditionTrack>();
  private readonly masterText: string;
  /** When the DVR master was last stored (ms since the epoch); rewritten like the live master (live-refresh.ts). */
  private masterStoredAtMs: number | undefined;
  private masterWriting = false;
  private targetDuration: number;

  constructor(private readonly options: DvrWriterOptions) {
    // One more segment than the window holds, so a full window is always seekable.
    const segments = Math.max(4, Math.ceil(options.windowSeconds / options.segmentSeconds) + 1);
    for (const plan of options.plans) {
      this.tracks.set(plan.name, new RenditionTrack(plan.name, segments, undefined, (entry) => segmentUri(plan.name, { sequence: entry.sequence, duration: entry.duration, discontinuitySequence: entry.discontinuitySequence }, options.recordingId)));
    }
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

  /** Adds a published segment (or gap) and stores the rendition's DVR playlist, then the master once all have one. */
  async append(rendition: string, entry: TrackEntry, fill: GapFiller, nowMs: number): Promise<void> {
    const track = this.tracks.get(rendition);
    if (!track) return;
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
