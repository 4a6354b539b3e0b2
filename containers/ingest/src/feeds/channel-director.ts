/**
 * Decides and switches what each stream's viewers get: the live publisher, the fallback playout or the
 * reconnect slate. It feeds the pure feed selector (core/channels/feed-selector.ts) the facts the ingest
 * sees — a publish accepted, its first segment on scratch, the publisher gone, the session ended, settings
 * changed — starts and stops the channel feeds after its answer, and emits `output.changed`. Actions on one
 * stream run one after the other, so two feeds never write a stream's playlists at once.
 * In the cloud (`hosting`) many tasks share the streams: a task plays a stream's fallback only while it
 * hosts its channel job (feeds/channel-job-host.ts), and a live session claims the stream's output lease
 * before it takes over (feeds/live-output-lease.ts); a task that merely stops producing a channel's
 * output it does not host says nothing — the task that carries on announces the change.
 * Must never: keep a fallback or slate playing once a live feed takes over (takeover waits for its stop),
 * or run two feeds for one stream.
 */
import { outputBeforeTakeover } from '../../../../core/channels/channel-jobs';
import { planChannelLadder, channelKind, encodedVariant } from '../../../../core/channels/channel-plan';
import { feedFor, selectOutput, type Output, type PublisherState } from '../../../../core/channels/feed-selector';
import type { EmitEvent } from '../../../../core/events/emit-event';
import type { StreamplaneEvent } from '../../../../core/events/catalog';
import type { ChannelMediaSource, ResolvedChannelMedia } from '../../../../core/ports/channel-media';
import type { Logger } from '../../../../core/ports/logger';
import type { OutputLease } from '../../../../core/ports/output-lease';
import type { StreamStore } from '../../../../core/ports/stream-store';
import { hasOpenSession } from '../../../../core/streams/stream';
import type { LadderOptions, LadderPlan } from '../../../../core/transcode/ladder';
import { ChannelFeed, type ChannelFeedOptions } from './channel-feed';

export interface ChannelDirectorOptions {
  media: ChannelMediaSource;
  streams: Pick<StreamStore, 'get' | 'list'>;
  emit: EmitEvent;
  ladder: LadderOptions;
  /** What every feed shares (store, scratch, ffmpeg, window). */
  feeds: Omit<ChannelFeedOptions, 'streamId' | 'kind' | 'plan' | 'items' | 'order' | 'slate'>;
  logger: Logger;
  /** Cloud: which streams this task plays fallback for, and the live side of the output lease. Absent: all (one machine). */
  hosting?: ChannelHosting;
}

/** How a task shares channel playout with other tasks (see the module comment). */
export interface ChannelHosting {
  /** True while this task holds the stream's channel job and its output lease (channel priority). */
  hosts(streamId: string): boolean;
  /** While this task hosts the stream: the lease it took over (who wrote the stream's output before it). */
  previousWriter?(streamId: string): OutputLease | undefined;
  /** Resolves once this task's live session holds the stream's output lease (after any hand-over). */
  claimLive(streamId: string): Promise<void>;
  /** The live session ended here: give the lease up so the channel's host plays on. */
  releaseLive(streamId: string): Promise<void>;
}

interface ChannelState {
  output: Output;
  publisher: PublisherState;
  feed: ChannelFeed | undefined;
  /** What the running fallback plays, to restart it when the list changes. */
  playing: string | undefined;
  /** The last live session's ladder: what a slate of a stream without a fallback is encoded to. */
  sessionPlan: LadderPlan | undefined;
  /** The stream has a ready fallback (as of the last apply), whoever plays it. */
  channel: boolean;
  /** How often the stream's feed was fenced here (an apply that started a feed meanwhile announces nothing). */
  fences: number;
  chain: Promise<unknown>;
  /** Changes queued or running on `chain` (one may be starting a feed). */
  pending: number;
  /** An apply has read the stream's settings here (`channel` is known, not the default). */
  known: boolean;
}

export class ChannelDirector {
  private readonly states = new Map<string, ChannelState>();
  private closed = false;

  constructor(private readonly options: ChannelDirectorOptions) {}

  /** What viewers of the stream get now, as this ingest sees it. */
  output(streamId: string): Output {
    return this.states.get(streamId)?.output ?? 'off';
  }

  /** The running feed's ffmpeg (tests kill it), if a fallback or slate plays. */
  feedPid(streamId: string): number | undefined {
    return this.states.get(streamId)?.feed?.pid;
  }

  /** A stream with a fallback has a fixed ladder; every live session of it is encoded to that ladder. */
  async planFor(streamId: string): Promise<LadderPlan | undefined> {
    const media = await this.options.media.resolve(streamId);
    if (!media?.fallback || media.fallback.items.length === 0) return undefined;
    return planChannelLadder(channelKind(media.fallback.items), this.options.ladder);
  }

  sessionPlanned(streamId: string, plan: LadderPlan): void {
    this.state(streamId).sessionPlan = plan;
  }

  /** Plane start: every stream without an open session gets what its settings say (its fallback, if any). */
  async syncAll(): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.options.streams.list({ limit: 100, ...(cursor ? { cursor } : {}) });
      for (const stream of page.items) if (!hasOpenSession(stream.status)) await this.sync(stream.id);
      cursor = page.next;
    } while (cursor);
  }

  /** Settings may have changed (created, PATCHed, enabled, disabled, deleted): apply them. */
  sync(streamId: string): Promise<void> {
    return this.serial(streamId, () => this.apply(streamId));
  }

  onEvent(event: StreamplaneEvent): void {
    if (!event.streamId) return;
    if (['stream.created', 'stream.updated', 'stream.enabled', 'stream.disabled', 'stream.deleted'].includes(event.type)) {
      void this.sync(event.streamId).catch((err: unknown) => this.fail(event.streamId as string, 'could not apply the channel settings', err));
    }
  }

  /** A publish was accepted: whatever plays keeps playing until its first segment exists. */
  accepted(streamId: string): void {
    this.state(streamId).publisher = 'connecting';
  }

  /**
   * Whether a live session of the stream has anything to hand over from: a feed of this task on air, a
   * fallback configured (played here or by another task), a change still being applied (it may start a
   * slate), or settings this task has not read yet. False only when nothing can be playing; the session
   * then takes over as soon as its transcoder starts instead of waiting for its first segment.
   */
  onAir(streamId: string): boolean {
    const state = this.states.get(streamId);
    if (!state || !state.known) return true;
    return state.feed !== undefined || state.channel || state.pending > 0;
  }

  /** The live feed's first segment is on scratch: stop the feed on air, then the live packager takes over. */
  async takeover(streamId: string): Promise<void> {
    // Outside the stream's chain: a channel feed of this very task hands over through that chain.
    await this.options.hosting?.claimLive(streamId);
    return this.serial(streamId, async () => {
      this.state(streamId).publisher = 'live';
      await this.apply(streamId);
    });
  }

  /** The publisher went away and the reconnect window is open. */
  interrupted(streamId: string): Promise<void> {
    return this.serial(streamId, async () => {
      this.state(streamId).publisher = 'interrupted';
      await this.apply(streamId);
    });
  }

  /** The session ended. True when a feed carries on, so the live playlists must stay open. */
  async sessionEnded(streamId: string): Promise<boolean> {
    let carriesOn = false;
    await this.serial(streamId, async () => {
      this.state(streamId).publisher = 'none';
      await this.apply(streamId);
      const state = this.state(streamId);
      // In the cloud the channel's host (maybe another task) plays on: the playlists stay open.
      carriesOn = state.feed !== undefined || (this.options.hosting !== undefined && state.channel);
    });
    await this.options.hosting?.releaseLive(streamId);
    return carriesOn;
  }

  /**
   * This task may no longer write the stream's output (its channel lease is overdue or lost): the running
   * fallback or slate feed stops at once — outside the stream's chain, which may be stuck on a store this
   * task cannot reach — without reading any store or writing anything more. Nothing is announced: the
   * task that takes the output over does that. A later apply sees the stream as not hosted here.
   */
  async fence(streamId: string): Promise<void> {
    const state = this.states.get(streamId);
    if (!state) return;
    const feed = state.feed;
    state.fences++;
    state.feed = undefined;
    state.playing = undefined;
    if (state.output !== 'live') state.output = 'off';
    await feed?.halt();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.states.values()].map(async (s) => {
      await s.chain.catch(() => undefined);
      await s.feed?.stop();
      s.feed = undefined;
    }));
  }

  private async apply(streamId: string): Promise<void> {
    if (this.closed) return;
    const state = this.state(streamId);
    const stream = await this.options.streams.get(streamId);
    const media = stream ? await this.options.media.resolve(streamId) : undefined;
    // Slate and fallback feeds make classic segments only: a low-latency stream's players (on ll.m3u8)
    // would get nothing from them, so such a stream is no channel (its live sessions skip the hand-over too).
    const channel = stream?.latencyMode !== 'low';
    const configured = channel && Boolean(media?.fallback && media.fallback.items.length > 0);
    state.channel = configured;
    state.known = true;
    const hosting = this.options.hosting;
    // Not hosted here: another task plays the fallback (or will); this one only runs its live sessions.
    const elsewhere = hosting !== undefined && state.publisher === 'none' && !hosting.hosts(streamId);
    const fallback = configured && !elsewhere;
    // A task producing nothing for the stream sees the output as another task left it: the writer of the
    // lease it took over (the stored output is a projection of events and may lag behind), else as stored.
    if (hosting && !state.feed && state.output !== 'live') {
      const seen = outputBeforeTakeover(hosting.previousWriter?.(streamId), stream?.output, new Date());
      if (seen) state.output = seen;
    }
    const change = selectOutput(state.output, {
      publisher: state.publisher,
      fallback,
      reconnectSlate: channel && (media?.reconnectSlate ?? false),
      available: Boolean(stream && media && stream.status !== 'disabled'),
    });
    const to = change?.to ?? state.output;
    const wanted = feedFor(to);
    const signature = to === 'fallback' && media?.fallback ? JSON.stringify(media.fallback) : undefined;
    const restart = !change && to === 'fallback' && signature !== state.playing;
    if (!change && !restart) return;
    if (state.feed) {
      await state.feed.stop();
      state.feed = undefined;
      state.playing = undefined;
    }
    if ((wanted === 'fallback' || wanted === 'slate') && media) {
      const feed = this.feedFor(streamId, wanted, media, state);
      if (feed) {
        state.feed = feed;
        state.playing = signature;
        const fences = state.fences;
        await feed.start().catch((err: unknown) => {
          this.fail(streamId, `the ${wanted} feed could not start`, err);
          if (state.feed === feed) state.feed = undefined;
        });
        // Fenced while it started (see fence): this task no longer writes the stream; nothing to announce.
        if (state.fences !== fences) return;
      }
    }
    if (!change) return;
    state.output = change.to;
    // Stopping a fallback that another task carries on (or will): that task announces the change.
    if (elsewhere && configured && change.to === 'off' && stream?.status !== 'disabled') return;
    this.options.logger.info('channel: output changed', { streamId, ...change });
    await this.options.emit({ type: 'output.changed', streamId, data: change }).catch((err: unknown) => this.fail(streamId, 'could not emit output.changed', err));
  }

  private feedFor(streamId: string, kind: 'fallback' | 'slate', media: ResolvedChannelMedia, state: ChannelState): ChannelFeed | undefined {
    const channelPlan = media.fallback && media.fallback.items.length > 0 ? planChannelLadder(channelKind(media.fallback.items), this.options.ladder) : undefined;
    // Without a fallback the slate stands in for the session's own renditions (copied rungs encoded).
    const plan = channelPlan ?? (state.sessionPlan ? encodedVariant(state.sessionPlan) : undefined);
    if (!plan) {
      this.options.logger.warn('channel: no ladder known for the slate; the playlists pause instead', { streamId });
      return undefined;
    }
    return new ChannelFeed({
      ...this.options.feeds,
      streamId,
      kind,
      plan,
      slate: media.slate,
      ...(kind === 'fallback' && media.fallback ? { items: media.fallback.items, order: media.fallback.order } : {}),
    });
  }

  private state(streamId: string): ChannelState {
    let state = this.states.get(streamId);
    if (!state) {
      state = { output: 'off', publisher: 'none', feed: undefined, playing: undefined, sessionPlan: undefined, channel: false, fences: 0, chain: Promise.resolve(), pending: 0, known: false };
      this.states.set(streamId, state);
    }
    return state;
  }

  private serial<T>(streamId: string, task: () => Promise<T>): Promise<T> {
    const state = this.state(streamId);
    state.pending++;
    const run = state.chain.then(task).finally(() => state.pending--);
    state.chain = run.catch(() => undefined);
    return run;
  }

  private fail(streamId: string, message: string, err: unknown): void {
    this.options.logger.error(`channel: ${message}`, { streamId, error: err instanceof Error ? err : String(err) });
  }
}
