/**
 * The public watch page (`/watch/{streamId}`): no token, embeddable in an iframe. The player plays the
 * stream's public master playlist; live/offline is read from the playlists themselves (a master with a
 * media playlist that has no ENDLIST is live), so the page needs nothing from the authenticated API.
 * The title comes from the embed snippet's `?title=` (shown as text, escaped by JSX).
 */
import { useEffect, useState } from 'preact/hooks';
import { Player } from '../components/player';

type State = 'checking' | 'live' | 'offline';

export async function liveStateOf(masterUrl: string): Promise<State> {
  try {
    const master = await fetch(masterUrl, { cache: 'no-store', credentials: 'omit' });
    if (!master.ok) return 'offline';
    const text = await master.text();
    const variant = text.split(/\r?\n/).find((line) => line && !line.startsWith('#'));
    if (!variant) return 'offline';
    const media = await fetch(new URL(variant, new URL(masterUrl, location.href)).href, { cache: 'no-store', credentials: 'omit' });
    if (!media.ok) return 'offline';
    return (await media.text()).includes('#EXT-X-ENDLIST') ? 'offline' : 'live';
  } catch {
    return 'offline';
  }
}

export function WatchPage({ id, playbackBase }: { id: string; playbackBase: string }) {
  const src = `${playbackBase}/live/${encodeURIComponent(id)}/master.m3u8`;
  const title = new URLSearchParams(location.search).get('title')?.slice(0, 200) || 'Live stream';
  const [state, setState] = useState<State>('checking');
  useEffect(() => {
    document.title = title;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    let misses = 0;
    const check = async () => {
      const next = await liveStateOf(src);
      if (stopped) return;
      // One failed poll (a playlist caught mid-rewrite, a network blip) does not stop a playing viewer.
      misses = next === 'offline' ? misses + 1 : 0;
      setState((current) => (next === 'offline' && current === 'live' && misses < 2 ? current : next));
      timer = setTimeout(() => void check(), 5000);
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [src]);
  return (
    <main class="watch">
      <header class="watch-head">
        <h1>{title}</h1>
        <span class={`badge badge-${state === 'live' ? 'live' : 'idle'}`} role="status">
          {state === 'live' ? 'LIVE' : state === 'offline' ? 'Offline' : '…'}
        </span>
      </header>
      {state === 'live' ? <Player src={src} live controls="bare" label={`Player: ${title}`} /> : <div class="offline-screen">{state === 'offline' ? 'The stream is offline. This page starts playing when it goes live.' : 'Checking…'}</div>}
    </main>
  );
}
