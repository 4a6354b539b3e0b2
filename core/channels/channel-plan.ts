/**
 * The ladder of a 24/7 channel: fixed by the channel, not by whatever feeds it, so the renditions a player
 * found in the master playlist stay valid across fallback, live and slate. A channel whose fallback is all
 * audio is an audio-only channel (radio); any video item makes it a video channel at the top configured rung
 * (16:9, 30 fps), every rung encoded and the audio re-encoded to AAC 48 kHz stereo, whatever the source.
 * Pure: no I/O. Must never plan a passthrough rung (a copied source would change the codecs in the master).
 */
import type { ChannelMediaItem } from '../ports/channel-media';
import { DEFAULT_RUNGS, planLadder, type LadderOptions, type LadderPlan } from '../transcode/ladder';

export type ChannelKind = 'audio' | 'video';

/** audio: every fallback item is audio; video otherwise. */
export function channelKind(items: ReadonlyArray<Pick<ChannelMediaItem, 'kind'>>): ChannelKind {
  return items.length > 0 && items.every((i) => i.kind === 'audio') ? 'audio' : 'video';
}

/** The channel's fixed ladder: what every feed of the channel (fallback, slate and live) is encoded to. */
export function planChannelLadder(kind: ChannelKind, options: LadderOptions = {}): LadderPlan {
  const audio = { codec: 'channel', sampleRate: 48_000, channels: 2 };
  if (kind === 'audio') return { ...planLadder({ audio }, options), reason: 'channel: audio only, AAC 48 kHz stereo' };
  const top = Math.max(...(options.rungs ?? DEFAULT_RUNGS));
  const height = Math.floor(top / 2) * 2;
  const width = Math.round((height * 16) / 9 / 2) * 2;
  const plan = planLadder({ video: { codec: 'channel', width, height, fps: 30 }, audio }, options);
  return { ...plan, reason: `channel: fixed ladder ${plan.renditions.map((r) => r.name).join(', ')}, every rung encoded` };
}

/**
 * The same renditions produced by encoding (a slate or a fallback standing in for a session whose top rung
 * was copied): sizes, names and codecs strings stay, so the master playlist does not change.
 */
export function encodedVariant(plan: LadderPlan): LadderPlan {
  return {
    ...plan,
    topRung: plan.topRung === 'none' ? 'none' : 'encode',
    renditions: plan.renditions.map((r) => {
      if (!r.passthrough) return r;
      if (r.kind === 'audio') return { ...r, passthrough: false };
      const kbps = r.videoBitrateKbps ?? 1000;
      return { ...r, passthrough: false, maxrateKbps: kbps, bufsizeKbps: Math.round(kbps * 1.5) };
    }),
    audio: plan.audio ? { ...plan.audio, passthrough: false } : null,
  };
}
