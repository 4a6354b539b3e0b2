/**
 * The public watch page (`/watch/{streamId}`): no API token, embeddable in an iframe. The player plays the
 * stream's master playlist; live/offline is read from the playlists themselves (a master with a media
 * playlist that has no ENDLIST is live), so the page needs nothing from the authenticated API. While
 * offline the stream's thumbnail (its last keyframe) is the poster. A private (`signed`) stream is opened
 * with the page's `?token=` (a viewer token), passed on to the master playlist and the thumbnail; the
 * origin rewrites every URI inside the playlists to carry a derived token, so the player needs nothing
 * more. A refused token (403) shows why instead of "offline".
 * The title comes from the embed snippet's `?title=` (shown as text, escaped by JSX).
 */
import { useEffect, useState } from 'preact/hooks';
import { Player } from '../components/player';

type State = 'checking' | 'live' | 'offline' | 'forbidden';

export interface LiveState {
  state: State;
  /** The origin's problem `reason` on a 403 (missing, expired, revoked, …). */
  reason?: string;
}

export async function liveStateOf(masterUrl: string): Promise<LiveState> {
  try {
    const master = await fetch(masterUrl, { cache: 'no-store', credentials: 'omit' });
    if (master.status === 403) {
      const problem = (await master.json().catch(() => ({}))) as { reason?: unknown };
      return { state: 'forbidden', ...(typeof problem.reason === 'string' ? { reason: problem.reason.slice(0, 40) } : {}) };
    }
    if (!master.ok) return { state: 'offline' };
    const text = await master.text();
    const variant = text.split(/\r?\n/).find((line) => line && !line.startsWith('#'));
    if (!variant) return { state: 'offline' };
    const media = await fetch(new URL(variant, new URL(masterUrl, location.href)).href, { cache: 'no-store', credentials: 'omit' });
    if (!media.ok) return { state: 'offline' };
    return { state: (await media.text()).includes('#EXT-X-ENDLIST') ? 'offline' : 'live' };
  } catch {
    return { state: 'offline' };
  }
}

/** Why a viewer is refused, in words (the reasons of docs/playback.md). */
export function forbiddenMessage(hasToken: boolean, reason: string | undefined): string {
  if (!hasToken || reason === 'missing') return 'This stream is private. Open it with the link you were given (it carries a viewer token).';
  if (reason === 'expired') return 'Your viewing link has expired. Ask for a new one.';
  if (reason === 'revoked') return 'Your viewing link was revoked.';
  if (reason === 'origin') return 'This stream may not be played on this site.';
  return 'Your viewing link is not valid for this stream.';
}

export function WatchPage({ id, playbackBase }: { id: string; playbackBase: string }) {
  const query = new URLSearchParams(location.search);
  const token = query.get('token')?.slice(0, 4096) || undefined;
  const suffix = token ? `?token=${encodeURIComponent(token)}` : '';
  const base = `${playbackBase}/live/${encodeURIComponent(id)}`;
  const src = `${base}/master.m3u8${suffix}`;
  const title = query.get('title')?.slice(0, 200) || 'Live stream';
  const [live, setLive] = useState<LiveState>({ state: 'checking' });
  const [posterAt, setPosterAt] = useState(() => Date.now());
  const [posterFailed, setPosterFailed] = useState(false);
  const state = live.state;
  useEffect(() => {
    document.title = title;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    let misses = 0;
    const check = async () => {
      const next = await liveStateOf(src);
      if (stopped) return;
      // One failed poll (a playlist caught mid-rewrite, a network blip) does not stop a playing viewer.
      misses = next.state === 'offline' ? misses + 1 : 0;
      setLive((current) => (next.state === 'offline' && current.state === 'live' && misses < 2 ? current : next));
      if (next.state !== 'live') setPosterAt(Date.now());
      timer = setTimeout(() => void check(), 5000);
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [src]);
  useEffect(() => setPosterFailed(false), [posterAt]);
  const poster = `${base}/thumbnail.jpg${suffix ? `${suffix}&` : '?'}t=${posterAt}`;
  return (
    <main class="watch">
      <header class="watch-head">
        <h1>{title}</h1>
        <span class={`badge badge-${state === 'live' ? 'live' : 'idle'}`} role="status">
          {state === 'live' ? 'LIVE' : state === 'offline' ? 'Offline' : state === 'forbidden' ? 'Private' : '…'}
        </span>
      </header>
      {state === 'live' ? (
        <Player src={src} live controls="bare" label={`Player: ${title}`} poster={posterFailed ? undefined : poster} />
      ) : state === 'forbidden' ? (
        <div class="offline-screen" role="alert" data-testid="watch-forbidden">
          {forbiddenMessage(token !== undefined, live.reason)}
        </div>
      ) : (
        <div class="offline-screen">
          {state === 'offline' && !posterFailed ? <img class="poster" src={poster} alt={`Last picture of ${title}`} data-testid="watch-poster" onError={() => setPosterFailed(true)} /> : null}
          <p class="offline-text">{state === 'offline' ? 'The stream is offline. This page starts playing when it goes live.' : 'Checking…'}</p>
        </div>
      )}
    </main>
  );
}
