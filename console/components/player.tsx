/**
 * The HLS player of the console and the watch page: hls.js (bundled, no CDN) where Media Source
 * Extensions exist, the browser's own HLS (Safari) otherwise. Shows a rendition picker and the measured
 * live latency. The ingest's bitrate and frame rate are charted by the stream page from the health API
 * (what the plane receives), not estimated here.
 *
 * Must never: keep loading after it is unmounted (hls.js is destroyed, timers cleared).
 */
import Hls from 'hls.js';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface PlayerProps {
  src: string;
  /** Live streams show latency; VODs do not. */
  live: boolean;
  poster?: string;
  /** Charts and picker (the console); the watch page keeps it bare. */
  controls?: 'full' | 'bare';
  label: string;
  onState?: (state: 'playing' | 'waiting' | 'error') => void;
}

interface Level {
  index: number;
  height: number;
  bitrate: number;
}

export function Player({ src, live, poster, controls = 'full', label, onState }: PlayerProps) {
  const video = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls | null>(null);
  const [levels, setLevels] = useState<Level[]>([]);
  const [picked, setPicked] = useState(-1);
  const [playingLevel, setPlayingLevel] = useState<number | undefined>(undefined);
  const [latency, setLatency] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    setError(undefined);
    setLevels([]);
    let hls: Hls | null = null;
    if (Hls.isSupported()) {
      hls = new Hls({ lowLatencyMode: true, backBufferLength: 30 });
      hlsRef.current = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
        setLevels(data.levels.map((l, index) => ({ index, height: l.height, bitrate: l.bitrate })).sort((a, b) => b.height - a.height));
        void el.play().catch(() => undefined);
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => setPlayingLevel(data.level));
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          hls?.recoverMediaError();
          return;
        }
        // A live stream that has not started (or ended) answers 404: keep trying quietly.
        const refused = data.response?.code === 403;
        setError(refused ? 'Playback was refused (403): this stream is private and the viewer token is missing, expired or revoked.' : data.details === 'manifestLoadError' ? 'The stream is offline.' : `Playback failed (${data.details}).`);
        onState?.('error');
        setTimeout(() => hls?.loadSource(src), 3000);
      });
      hls.loadSource(src);
      hls.attachMedia(el);
    } else if (el.canPlayType('application/vnd.apple.mpegurl')) {
      el.src = src;
      void el.play().catch(() => undefined);
    } else {
      setError('This browser cannot play HLS.');
    }
    const tick = setInterval(() => {
      if (hls && live && Number.isFinite(hls.latency) && hls.latency > 0) setLatency(hls.latency);
    }, 1000);
    const playing = () => {
      setError(undefined);
      onState?.('playing');
    };
    const waiting = () => onState?.('waiting');
    el.addEventListener('playing', playing);
    el.addEventListener('waiting', waiting);
    return () => {
      clearInterval(tick);
      el.removeEventListener('playing', playing);
      el.removeEventListener('waiting', waiting);
      hls?.destroy();
      hlsRef.current = null;
      el.removeAttribute('src');
    };
  }, [src, live]);

  const pick = (value: number) => {
    setPicked(value);
    if (hlsRef.current) hlsRef.current.currentLevel = value;
  };
  const current = levels.find((l) => l.index === playingLevel);

  return (
    <div class="player">
      <video ref={video} class="video" controls muted playsInline poster={poster} aria-label={label} data-testid="player-video" />
      {error ? (
        <p class="player-note" role="status">
          {error}
        </p>
      ) : null}
      {controls === 'full' ? (
        <div class="player-bar">
          <label>
            Rendition{' '}
            <select value={String(picked)} onChange={(e) => pick(Number((e.target as HTMLSelectElement).value))} disabled={levels.length === 0}>
              <option value="-1">Auto{current ? ` (${current.height}p)` : ''}</option>
              {levels.map((l) => (
                <option key={l.index} value={String(l.index)}>
                  {l.height}p · {Math.round(l.bitrate / 1000)} kbps
                </option>
              ))}
            </select>
          </label>
          {live ? (
            <span class="metric" aria-live="off">
              Latency <strong data-testid="latency">{latency !== undefined ? `${latency.toFixed(1)} s` : '—'}</strong>
            </span>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
