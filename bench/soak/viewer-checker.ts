/**
 * What viewers see, recorded the way a player reads it: every stream's master and media playlists polled
 * about once per segment. It remembers every stored segment a viewer could have fetched, and counts a
 * regression whenever a media sequence or discontinuity sequence goes backwards or a sequence number is
 * reused for a different segment. A plane that is down (connection refused, 404 between sessions) is
 * not a regression.
 */
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { parseMaster } from '../../test/support/hls';

export interface Regression {
  stream: string;
  rendition: string;
  what: string;
}

interface RenditionState {
  mediaSequence: number;
  discontinuitySequence: number;
  uriBySequence: Map<number, string>;
}

export interface ViewerChecker {
  /** Per stream id: the path of every segment a live viewer could fetch. */
  readonly seen: Map<string, Set<string>>;
  readonly regressions: Regression[];
  polls: number;
  stop(): Promise<void>;
}

async function text(url: string): Promise<string | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  if (response?.status !== 200) return undefined;
  return response.text().catch(() => undefined);
}

export function watchViewers(streams: ReadonlyArray<{ id: string; masterUrl: string }>, intervalMs: number): ViewerChecker {
  const seen = new Map(streams.map((s) => [s.id, new Set<string>()]));
  const states = new Map<string, RenditionState>();
  const checker: ViewerChecker = { seen, regressions: [], polls: 0, stop: async () => undefined };
  let running = true;

  const check = (stream: string, rendition: string, url: string, body: string) => {
    let playlist;
    try {
      playlist = parseMediaPlaylist(body);
    } catch (err) {
      checker.regressions.push({ stream, rendition, what: `unparsable playlist: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    const key = `${stream}/${rendition}`;
    const state = states.get(key) ?? { mediaSequence: -1, discontinuitySequence: -1, uriBySequence: new Map() };
    states.set(key, state);
    if (playlist.mediaSequence < state.mediaSequence) checker.regressions.push({ stream, rendition, what: `media sequence went back from ${state.mediaSequence} to ${playlist.mediaSequence}` });
    if (playlist.discontinuitySequence < state.discontinuitySequence) checker.regressions.push({ stream, rendition, what: `discontinuity sequence went back from ${state.discontinuitySequence} to ${playlist.discontinuitySequence}` });
    state.mediaSequence = Math.max(state.mediaSequence, playlist.mediaSequence);
    state.discontinuitySequence = Math.max(state.discontinuitySequence, playlist.discontinuitySequence);
    playlist.segments.forEach((segment, i) => {
      const sequence = playlist.mediaSequence + i;
      const path = segment.gap ? `gap:${sequence}` : new URL(segment.uri, url).pathname;
      const before = state.uriBySequence.get(sequence);
      if (before !== undefined && before !== path) checker.regressions.push({ stream, rendition, what: `sequence ${sequence} was ${before}, now ${path}` });
      state.uriBySequence.set(sequence, path);
      if (!segment.gap) seen.get(stream)?.add(path);
    });
  };

  const loop = (async () => {
    while (running) {
      const started = Date.now();
      await Promise.all(
        streams.map(async (stream) => {
          const master = await text(stream.masterUrl);
          if (!master) return;
          await Promise.all(
            parseMaster(master).map(async (variant) => {
              const url = new URL(variant.uri, stream.masterUrl).toString();
              const body = await text(url);
              if (body) check(stream.id, variant.uri, url, body);
            }),
          );
        }),
      );
      checker.polls++;
      await new Promise((resolve) => setTimeout(resolve, Math.max(50, intervalMs - (Date.now() - started))));
    }
  })();
  checker.stop = async () => {
    running = false;
    await loop;
  };
  return checker;
}
