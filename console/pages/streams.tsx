/**
 * The streams table: one row per stream (name, status, output, viewers' URL), kept current from the
 * live event stream without a reload; "Create stream" shows the OBS settings once.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Stream, StreamWithKey } from '../api';
import { CopyButton, ProblemBox, Section, StatusBadge } from '../components/common';
import { subscribeEvents } from '../events';
import { KeyPanel } from './key-panel';

export function watchUrl(stream: Pick<Stream, 'id'>): string {
  return `${location.origin}/watch/${encodeURIComponent(stream.id)}`;
}

export function outputOf(stream: Stream): string {
  const t = stream.transcode;
  if (!t) return stream.status === 'live' ? 'starting' : '—';
  const heights = t.renditions.map((r) => (r.height ? `${r.height}p` : r.name)).join(' · ');
  return `${t.topRung === 'passthrough' ? 'passthrough' : t.topRung === 'encode' ? 'encoded' : 'audio'} · ${heights}`;
}

export function StreamsPage({ api }: { api: ApiClient }) {
  const [streams, setStreams] = useState<Stream[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<StreamWithKey | undefined>(undefined);
  const [liveState, setLiveState] = useState('connecting');

  const reload = async () => {
    try {
      const all: Stream[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.listStreams(cursor);
        all.push(...page.items);
        cursor = page.next;
      } while (cursor && all.length < 1000);
      setStreams(all);
    } catch (err) {
      setError(err);
    }
  };

  useEffect(() => {
    void reload();
    const live = subscribeEvents(api, {
      onState: setLiveState,
      onEvent: async (event) => {
        if (!event.streamId) return;
        try {
          const fresh = await api.getStream(event.streamId);
          setStreams((list) => {
            if (!list) return list;
            const i = list.findIndex((s) => s.id === fresh.id);
            if (i === -1) return [fresh, ...list];
            const next = [...list];
            next[i] = fresh;
            return next;
          });
        } catch {
          // deleted meanwhile
          setStreams((list) => list?.filter((s) => s.id !== event.streamId));
        }
      },
    });
    return () => live.stop();
  }, [api]);

  return (
    <main>
      <div class="page-head">
        <h1>Streams</h1>
        <span class={`live-dot live-${liveState}`} role="status" aria-label={`Live updates: ${liveState}`}>
          {liveState === 'live' ? 'live updates' : liveState}
        </span>
        <button type="button" onClick={() => setCreating((v) => !v)} aria-expanded={creating}>
          Create stream
        </button>
      </div>
      {creating ? (
        <CreateStreamForm
          api={api}
          onCreated={(stream) => {
            setCreating(false);
            setCreated(stream);
            setStreams((list) => [stream, ...(list ?? []).filter((s) => s.id !== stream.id)]);
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
      {created ? <KeyPanel stream={created} onDone={() => setCreated(undefined)} /> : null}
      <ProblemBox error={error} />
      <Section title="All streams">
        {streams === undefined ? (
          <p>Loading…</p>
        ) : streams.length === 0 ? (
          <p>No streams yet. Create one, then point OBS or ffmpeg at its server and key.</p>
        ) : (
          <table class="streams">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Output</th>
                <th scope="col">Viewers' URL</th>
              </tr>
            </thead>
            <tbody>
              {streams.map((s) => (
                <tr key={s.id} data-stream-id={s.id}>
                  <td data-label="Name">
                    <a href={`/console/streams/${encodeURIComponent(s.id)}`}>{s.name}</a>
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={s.status} />
                  </td>
                  <td data-label="Output">{outputOf(s)}</td>
                  <td data-label="Viewers' URL" class="url-cell">
                    <a href={watchUrl(s)} target="_blank" rel="noopener" class="mono">
                      /watch/{s.id}
                    </a>{' '}
                    <CopyButton text={watchUrl(s)} label={`Copy viewers' URL of ${s.name}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </main>
  );
}

function CreateStreamForm({ api, onCreated, onCancel }: { api: ApiClient; onCreated: (s: StreamWithKey) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [recording, setRecording] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card"
      aria-label="Create stream"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          onCreated(await api.createStream({ name, recording }));
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <label for="stream-name">Stream name</label>
      <input id="stream-name" required maxLength={200} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <label class="check">
        <input type="checkbox" checked={recording} onChange={(e) => setRecording((e.target as HTMLInputElement).checked)} /> Record every session
      </label>
      <div class="row">
        <button type="submit" disabled={busy}>
          Create
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ProblemBox error={error} />
    </form>
  );
}
