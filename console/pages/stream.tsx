/**
 * One stream: its player (live), its health from the API (live charts of the ingest's bitrate and frame
 * rate) and thumbnail, settings and actions (reset key, disable/enable, end, delete), playback settings
 * (public/signed, DVR window), the embed snippet of its public watch page, its event timeline (live), its
 * sessions, and its recordings with a VOD player, MP4 export with progress, and download.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient, PlaneEvent, Recording, Stream, StreamWithKey } from '../api';
import { ConfirmButton, CopyField, formatDuration, formatTime, ProblemBox, Section, StatusBadge } from '../components/common';
import { Player } from '../components/player';
import { subscribeEvents } from '../events';
import { navigate } from '../router';
import { KeyPanel } from './key-panel';
import { HealthPanel, Sessions, Thumbnail } from './stream-health';
import { outputOf, watchUrl } from './streams';

const ON_AIR = new Set(['connected', 'live', 'interrupted']);
/** core's MAX_DVR_WINDOW_SECONDS (4 h); the console may import only types from the server, and the API enforces it. */
const MAX_DVR_WINDOW_SECONDS = 14_400;

export function embedSnippet(stream: Pick<Stream, 'id' | 'name'>): string {
  const src = `${watchUrl(stream)}?title=${encodeURIComponent(stream.name)}`;
  // The attribute values are escaped for HTML: this text is pasted into someone's page.
  const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<iframe src="${attr(src)}" title="${attr(stream.name)}" width="640" height="360" allow="autoplay; fullscreen" allowfullscreen style="border:0"></iframe>`;
}

export function StreamPage({ api, id }: { api: ApiClient; id: string }) {
  const [stream, setStream] = useState<Stream | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [events, setEvents] = useState<PlaneEvent[]>([]);
  const [withKey, setWithKey] = useState<StreamWithKey | undefined>(undefined);
  const [recordingsVersion, setRecordingsVersion] = useState(0);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let stopped = false;
    let live: { stop(): void } | undefined;
    setStream(undefined);
    setEvents([]);
    void (async () => {
      try {
        const [s, page] = await Promise.all([api.getStream(id), api.listEvents({ streamId: id, limit: 100 })]);
        if (stopped) return;
        setStream(s);
        setEvents(page.items);
        const last = page.items[page.items.length - 1];
        live = subscribeEvents(api, {
          streamId: id,
          ...(last ? { after: last.id } : {}),
          onEvent: (event) => {
            setEvents((list) => (list.some((e) => e.id === event.id) ? list : [...list, event].slice(-500)));
            void api.getStream(id).then(setStream, () => undefined);
            if (event.type.startsWith('recording.') || event.type.startsWith('stream.')) setRecordingsVersion((v) => v + 1);
          },
        });
        if (stopped) live.stop();
      } catch (err) {
        if (!stopped) setError(err);
      }
    })();
    return () => {
      stopped = true;
      live?.stop();
    };
  }, [api, id]);

  const act = async (run: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!stream) {
    return (
      <main>
        <p>
          <a href="/console/">← Streams</a>
        </p>
        {error ? <ProblemBox error={error} /> : <p>Loading…</p>}
      </main>
    );
  }
  return (
    <main>
      <p>
        <a href="/console/">← Streams</a>
      </p>
      <div class="page-head">
        <h1>{stream.name}</h1>
        <StatusBadge status={stream.status} />
      </div>
      <ProblemBox error={error} onDismiss={() => setError(undefined)} />
      {withKey ? <KeyPanel stream={withKey} onDone={() => setWithKey(undefined)} /> : null}
      <div class="grid">
        <Section title="Player">
          {ON_AIR.has(stream.status) ? (
            <Player src={stream.playback.hls} live label={`Live player of ${stream.name}`} />
          ) : (
            <p class="offline">The stream is {stream.status}. The player starts when an encoder goes live.</p>
          )}
          <div class="row wrap thumb-row">
            <Thumbnail stream={stream} onAir={ON_AIR.has(stream.status)} />
            <p class="hint">
              Output: <span data-testid="output">{outputOf(stream)}</span>
            </p>
          </div>
        </Section>
        <HealthPanel api={api} stream={stream} onAir={ON_AIR.has(stream.status)} />
        <Section title="Settings">
          {'server' in stream.ingest ? <CopyField label="RTMP server" value={stream.ingest.server} /> : <CopyField label="Pull source" value={stream.ingest.url} />}
          <CopyField label="HLS playback URL" value={stream.playback.hls} />
          {stream.playback.dvr ? <CopyField label="DVR playback URL" value={stream.playback.dvr} /> : null}
          <CopyField label="Watch page" value={watchUrl(stream)} />
          <CopyField label="Embed snippet" value={embedSnippet(stream)} />
          <dl class="facts">
            <dt>Recording</dt>
            <dd>{stream.recording ? 'every session' : 'off'}</dd>
            <dt>Reconnect window</dt>
            <dd>{stream.reconnectWindowSeconds} s</dd>
            <dt>Id</dt>
            <dd class="mono">{stream.id}</dd>
          </dl>
          <div class="row wrap">
            <button type="button" class="secondary" disabled={busy} onClick={() => act(async () => setWithKey(await api.resetKey(stream.id)))}>
              Reset key
            </button>
            {stream.status === 'disabled' ? (
              <button type="button" class="secondary" disabled={busy} onClick={() => act(async () => setStream(await api.streamAction(stream.id, 'enable')))}>
                Enable
              </button>
            ) : (
              <button type="button" class="secondary" disabled={busy} onClick={() => act(async () => setStream(await api.streamAction(stream.id, 'disable')))}>
                Disable
              </button>
            )}
            {ON_AIR.has(stream.status) ? (
              <ConfirmButton label="End stream" confirmLabel="Yes, end it" question="Disconnect the encoder and end the session?" disabled={busy} onConfirm={() => act(async () => setStream(await api.streamAction(stream.id, 'end')))} />
            ) : null}
            <ConfirmButton
              label="Delete stream"
              confirmLabel="Yes, delete"
              question={`Delete “${stream.name}”? Its key stops working at once.`}
              disabled={busy}
              onConfirm={() =>
                act(async () => {
                  await api.deleteStream(stream.id);
                  navigate('/console/');
                })
              }
            />
          </div>
        </Section>
        <PlaybackSettings api={api} stream={stream} onSaved={setStream} />
      </div>
      <Sessions api={api} streamId={stream.id} version={recordingsVersion} />
      <Recordings api={api} streamId={stream.id} version={recordingsVersion} />
      <Section title="Timeline">
        <Timeline events={events} />
      </Section>
    </main>
  );
}

/** `playbackPolicy` and `dvrWindowSeconds`, saved with one PATCH; the API's validation problem is shown as it is. */
function PlaybackSettings({ api, stream, onSaved }: { api: ApiClient; stream: Stream; onSaved: (s: Stream) => void }) {
  const [policy, setPolicy] = useState(stream.playbackPolicy);
  const [dvr, setDvr] = useState(String(stream.dvrWindowSeconds));
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setPolicy(stream.playbackPolicy);
    setDvr(String(stream.dvrWindowSeconds));
  }, [stream.playbackPolicy, stream.dvrWindowSeconds]);
  const dirty = policy !== stream.playbackPolicy || dvr !== String(stream.dvrWindowSeconds);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const input: { playbackPolicy?: Stream['playbackPolicy']; dvrWindowSeconds?: number } = {};
      if (policy !== stream.playbackPolicy) input.playbackPolicy = policy;
      // Sent as typed (a number when it parses): the API says what is wrong with anything else.
      if (dvr !== String(stream.dvrWindowSeconds)) input.dvrWindowSeconds = dvr.trim() === '' ? Number.NaN : Number(dvr);
      onSaved(await api.updateStream(stream.id, input));
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Playback">
      <form onSubmit={(e) => void save(e)} aria-label="Playback settings" noValidate>
        <label for="playback-policy">Playback policy</label>
        <select id="playback-policy" value={policy} onChange={(e) => setPolicy((e.target as HTMLSelectElement).value as Stream['playbackPolicy'])}>
          <option value="public">public: anyone with the URL</option>
          <option value="signed">signed: viewers need a token</option>
        </select>
        <label for="dvr-window">DVR window (seconds, 0 = off)</label>
        <input id="dvr-window" type="number" inputMode="numeric" min={0} max={MAX_DVR_WINDOW_SECONDS} step={1} value={dvr} onInput={(e) => setDvr((e.target as HTMLInputElement).value)} aria-describedby="dvr-hint" />
        <p class="hint" id="dvr-hint">
          At most {MAX_DVR_WINDOW_SECONDS} s; needs recording on. A change applies from the next session.
        </p>
        {policy === 'signed' ? <p class="hint">Signed playback: sign viewer tokens with a playback key (see docs/playback.md) and add <code>?token=…</code> to the playback and watch-page URLs.</p> : null}
        <ProblemBox error={error} onDismiss={() => setError(undefined)} />
        <div class="row wrap">
          <button type="submit" disabled={busy || !dirty}>
            Save playback settings
          </button>
          {saved && !dirty ? (
            <span role="status" class="hint">
              Saved.
            </span>
          ) : null}
        </div>
      </form>
    </Section>
  );
}

function Timeline({ events }: { events: PlaneEvent[] }) {
  if (events.length === 0) return <p>No events yet.</p>;
  return (
    <ol class="timeline" aria-label="Stream events, newest first">
      {[...events].reverse().map((e) => (
        <li key={e.id} data-event-type={e.type}>
          <time dateTime={e.time}>{formatTime(e.time)}</time> <code class="event-type">{e.type}</code> <span class="hint">#{e.sequence}</span>
          {summary(e) ? <span class="event-summary"> {summary(e)}</span> : null}
        </li>
      ))}
    </ol>
  );
}

function summary(e: PlaneEvent): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ['reason', 'topRung', 'recordingId', 'durationSeconds', 'remoteAddress']) {
    const v = d[key];
    if (typeof v === 'string' || typeof v === 'number') parts.push(`${key}=${v}`);
  }
  return parts.join(' ');
}

function Recordings({ api, streamId, version }: { api: ApiClient; streamId: string; version: number }) {
  const [items, setItems] = useState<Recording[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [playing, setPlaying] = useState<string | undefined>(undefined);
  const polls = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const load = async () => {
    try {
      setItems((await api.listRecordings(streamId)).items);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    void load();
  }, [api, streamId, version]);
  // Recordings still finalizing are re-read until they settle.
  useEffect(() => {
    if (!items?.some((r) => r.status === 'recording' || r.status === 'finalizing')) return;
    const timer = setTimeout(() => void load(), 3000);
    return () => clearTimeout(timer);
  }, [items]);
  useEffect(() => () => polls.current.forEach((t) => clearTimeout(t)), []);

  const replace = (r: Recording) => setItems((list) => list?.map((x) => (x.id === r.id ? r : x)));
  const exportMp4 = async (r: Recording) => {
    setError(undefined);
    try {
      let current = await api.exportMp4(r.id);
      replace(current);
      const poll = async () => {
        current = await api.getRecording(r.id);
        replace(current);
        if (current.mp4?.status === 'pending') polls.current.set(r.id, setTimeout(() => void poll().catch(setError), 2000));
      };
      if (current.mp4?.status === 'pending') polls.current.set(r.id, setTimeout(() => void poll().catch(setError), 2000));
    } catch (err) {
      setError(err);
    }
  };

  const active = items?.find((r) => r.id === playing);
  return (
    <Section title="Recordings">
      <ProblemBox error={error} onDismiss={() => setError(undefined)} />
      {active ? <Player src={active.playback.hls} live={false} label={`Recording ${active.id}`} /> : null}
      {items === undefined ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No recordings yet. Each session of a stream with recording on becomes one.</p>
      ) : (
        <table class="recordings">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Status</th>
              <th scope="col">Length</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} data-recording-id={r.id}>
                <td data-label="Started">{formatTime(r.createdAt)}</td>
                <td data-label="Status">
                  <StatusBadge status={r.status} />
                  {r.failureReason ? <span class="hint"> {r.failureReason}</span> : null}
                </td>
                <td data-label="Length">{formatDuration(r.durationSeconds)}</td>
                <td data-label="Actions" class="row wrap">
                  <button type="button" class="secondary small" disabled={r.status !== 'ready'} onClick={() => setPlaying(playing === r.id ? undefined : r.id)} aria-pressed={playing === r.id}>
                    {playing === r.id ? 'Close player' : 'Play'}
                  </button>
                  {r.mp4?.status === 'ready' && r.mp4.url ? (
                    <a class="button small" href={r.mp4.url} download>
                      Download MP4{r.mp4.bytes ? ` (${(r.mp4.bytes / 1e6).toFixed(1)} MB)` : ''}
                    </a>
                  ) : r.mp4?.status === 'pending' ? (
                    <span role="status" class="progress">
                      <progress aria-label="MP4 export in progress" /> Exporting MP4…
                    </span>
                  ) : (
                    <button type="button" class="secondary small" disabled={r.status !== 'ready'} onClick={() => void exportMp4(r)}>
                      {r.mp4?.status === 'failed' ? 'Retry MP4 export' : 'Export MP4'}
                    </button>
                  )}
                  <ConfirmButton
                    label="Delete"
                    confirmLabel="Yes, delete"
                    question="Delete this recording and its media?"
                    onConfirm={async () => {
                      try {
                        await api.deleteRecording(r.id);
                        setItems((list) => list?.filter((x) => x.id !== r.id));
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
