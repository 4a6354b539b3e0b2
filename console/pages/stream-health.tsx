/**
 * The stream page's monitoring: the live feed's health from `GET /v1/streams/{id}/health` (status,
 * reasons, the ingest's figures and the transcoder speed, with small live charts of bitrate and frame
 * rate, polled while the stream is on air), its thumbnail, and its publish sessions from
 * `GET /v1/streams/{id}/sessions`. Every figure is what the plane measured, shown as text (JSX escapes it).
 *
 * Must never: keep polling after it is unmounted or once the stream is off air.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Session, Stream, StreamHealth } from '../api';
import { formatDuration, formatTime, ProblemBox, Section, StatusBadge } from '../components/common';
import { Sparkline } from '../components/sparkline';

export const HEALTH_POLL_MS = 3000;
const THUMBNAIL_REFRESH_MS = 10_000;
const HISTORY = 40;

const fixed = (v: number | null | undefined, digits: number, unit: string) => (v === null || v === undefined ? '—' : `${v.toFixed(digits)}${unit}`);

export function HealthPanel({ api, stream, onAir }: { api: ApiClient; stream: Stream; onAir: boolean }) {
  const [health, setHealth] = useState<StreamHealth | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [kbps, setKbps] = useState<number[]>([]);
  const [fps, setFps] = useState<number[]>([]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    let last: string | undefined;
    const poll = async () => {
      try {
        const h = await api.getHealth(stream.id, abort.signal);
        if (stopped) return;
        setHealth(h);
        setError(undefined);
        // One point per new report: the plane refreshes it every 2 s, a repeated read adds nothing.
        if (h.updatedAt !== last && h.status !== 'offline') {
          last = h.updatedAt;
          const total = h.ingest.videoKbps === null && h.ingest.audioKbps === null ? undefined : (h.ingest.videoKbps ?? 0) + (h.ingest.audioKbps ?? 0);
          if (total !== undefined) setKbps((v) => [...v, Math.round(total)].slice(-HISTORY));
          if (h.ingest.fps !== null) setFps((v) => [...v, Math.round(h.ingest.fps! * 10) / 10].slice(-HISTORY));
        }
      } catch (err) {
        if (stopped || (err instanceof DOMException && err.name === 'AbortError')) return;
        setError(err);
      }
      if (!stopped && onAir) timer = setTimeout(() => void poll(), HEALTH_POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      abort.abort();
      clearTimeout(timer);
    };
  }, [api, stream.id, onAir]);

  const i = health?.ingest;
  return (
    <Section title="Health">
      <ProblemBox error={error} />
      {!health ? (
        <p>Loading…</p>
      ) : (
        <>
          <p class="row wrap">
            <span class={`badge badge-health-${health.status}`} data-testid="health-status">
              {health.status}
            </span>
            {health.reasons.length ? <span class="hint">{health.reasons.join(', ').replace(/_/g, ' ')}</span> : null}
            <span class="hint">
              measured {formatTime(health.updatedAt)}
              {onAir ? `, every ${HEALTH_POLL_MS / 1000} s` : ''}
            </span>
          </p>
          <div class="row wrap charts">
            <Sparkline label="Ingest bitrate" unit="kbps" values={kbps} />
            <Sparkline label="Ingest frame rate" unit="fps" values={fps} />
          </div>
          <dl class="facts health" aria-label="Ingest figures">
            <dt>Video</dt>
            <dd data-testid="health-video-kbps">{fixed(i?.videoKbps, 0, ' kbps')}</dd>
            <dt>Audio</dt>
            <dd data-testid="health-audio-kbps">{fixed(i?.audioKbps, 0, ' kbps')}</dd>
            <dt>Frame rate</dt>
            <dd data-testid="health-fps">{fixed(i?.fps, 1, ' fps')}</dd>
            <dt>Keyframe interval</dt>
            <dd data-testid="health-keyframe">{fixed(i?.keyframeIntervalSeconds, 1, ' s')}</dd>
            <dt>Resolution</dt>
            <dd data-testid="health-resolution">{i?.width && i.height ? `${i.width}×${i.height}` : '—'}</dd>
            <dt>Codecs</dt>
            <dd data-testid="health-codecs">{[i?.videoCodec, i?.audioCodec].filter(Boolean).join(' + ') || '—'}</dd>
            <dt>Transcoder speed</dt>
            <dd data-testid="health-speed">{fixed(health.transcoder.speed, 2, '×')}</dd>
          </dl>
        </>
      )}
    </Section>
  );
}

/** The latest keyframe as a JPEG, refreshed while live; nothing (a hint) before the first one exists. */
export function Thumbnail({ stream, onAir }: { stream: Stream; onAir: boolean }) {
  const [tick, setTick] = useState(() => Date.now());
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!onAir) return;
    const timer = setInterval(() => setTick(Date.now()), THUMBNAIL_REFRESH_MS);
    return () => clearInterval(timer);
  }, [onAir]);
  useEffect(() => setFailed(false), [tick]);
  const src = `${stream.playback.thumbnail}${stream.playback.thumbnail.includes('?') ? '&' : '?'}t=${tick}`;
  return (
    <figure class="thumbnail">
      {failed ? (
        <p class="hint" data-testid="thumbnail-missing">
          {stream.playbackPolicy === 'signed' ? 'No thumbnail: a signed stream needs a viewer token for it.' : 'No thumbnail yet: one is taken from a keyframe every few seconds while live.'}
        </p>
      ) : (
        <img src={src} alt={`Latest thumbnail of ${stream.name}`} width={160} height={90} data-testid="thumbnail" onError={() => setFailed(true)} />
      )}
    </figure>
  );
}

export function Sessions({ api, streamId, version }: { api: ApiClient; streamId: string; version: number }) {
  const [items, setItems] = useState<Session[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let stopped = false;
    api.listSessions(streamId).then(
      (page) => !stopped && setItems(page.items),
      (err) => !stopped && setError(err),
    );
    return () => {
      stopped = true;
    };
  }, [api, streamId, version]);
  return (
    <Section title="Sessions">
      <ProblemBox error={error} onDismiss={() => setError(undefined)} />
      {items === undefined ? (
        error ? null : <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No sessions yet. Each time an encoder publishes, a session starts.</p>
      ) : (
        <table class="sessions">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Status</th>
              <th scope="col">Length</th>
              <th scope="col">Video</th>
              <th scope="col">Interruptions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id} data-session-id={s.id}>
                <td data-label="Started">{formatTime(s.startedAt)}</td>
                <td data-label="Status">
                  <StatusBadge status={s.status} />
                  {s.endReason ? <span class="hint"> {s.endReason.replace(/_/g, ' ')}</span> : null}
                </td>
                <td data-label="Length">{formatDuration(s.durationSeconds)}</td>
                <td data-label="Video">
                  {[
                    s.stats.width && s.stats.height ? `${s.stats.width}×${s.stats.height}` : undefined,
                    s.stats.fps !== null ? `${s.stats.fps.toFixed(0)} fps` : undefined,
                    s.stats.averageVideoKbps !== null ? `avg ${Math.round(s.stats.averageVideoKbps)} kbps` : undefined,
                    s.stats.videoCodec ?? undefined,
                  ]
                    .filter(Boolean)
                    .join(' · ') || '—'}
                </td>
                <td data-label="Interruptions">
                  {s.interruptions} interrupted, {s.reconnects} reconnects{s.takeovers ? `, ${s.takeovers} takeovers` : ''}
                  {s.transcoderRestarts ? `, ${s.transcoderRestarts} transcoder restarts` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
