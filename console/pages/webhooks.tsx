/**
 * Webhook endpoints: create (the signing secret is shown once), enable/disable, delete, and each
 * endpoint's delivery log with an outcome filter and redelivery.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Attempt, Webhook, WebhookWithSecret } from '../api';
import { ConfirmButton, CopyField, formatTime, ProblemBox, Section, StatusBadge } from '../components/common';

export function WebhooksPage({ api }: { api: ApiClient }) {
  const [items, setItems] = useState<Webhook[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [created, setCreated] = useState<WebhookWithSecret | undefined>(undefined);
  const [open, setOpen] = useState<string | undefined>(undefined);

  const load = async () => {
    try {
      setItems((await api.listWebhooks()).items);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    void load();
  }, [api]);

  return (
    <main>
      <div class="page-head">
        <h1>Webhooks</h1>
      </div>
      <CreateWebhookForm
        api={api}
        onCreated={(w) => {
          setCreated(w);
          setItems((list) => [w, ...(list ?? [])]);
          setOpen(w.id);
        }}
      />
      {created ? (
        <section class="card key-panel" aria-labelledby="secret-title">
          <h2 id="secret-title">Signing secret of {created.url}</h2>
          <p class="warning" role="alert">
            The secret is shown only now. Store it where your receiver verifies signatures (Standard Webhooks); rotate it to get a new one.
          </p>
          <CopyField label="Signing secret" value={created.secret} secret />
          <button type="button" class="secondary" onClick={() => setCreated(undefined)}>
            I have stored the secret
          </button>
        </section>
      ) : null}
      <ProblemBox error={error} onDismiss={() => setError(undefined)} />
      <Section title="Endpoints">
        {items === undefined ? (
          <p>Loading…</p>
        ) : items.length === 0 ? (
          <p>No endpoints yet.</p>
        ) : (
          <ul class="endpoints">
            {items.map((w) => (
              <li key={w.id} class="endpoint" data-webhook-id={w.id}>
                <div class="endpoint-head">
                  <span class="mono url">{w.url}</span>
                  <StatusBadge status={w.enabled ? 'enabled' : w.disabledReason === 'failing' ? 'failing' : 'disabled'} />
                </div>
                {w.description ? <p class="description">{w.description}</p> : null}
                <p class="hint">Events: {w.events.join(', ')}</p>
                <div class="row wrap">
                  <button type="button" class="secondary small" aria-expanded={open === w.id} onClick={() => setOpen(open === w.id ? undefined : w.id)}>
                    {open === w.id ? 'Hide deliveries' : 'Deliveries'}
                  </button>
                  <button
                    type="button"
                    class="secondary small"
                    onClick={async () => {
                      try {
                        const next = await api.updateWebhook(w.id, { enabled: !w.enabled });
                        setItems((list) => list?.map((x) => (x.id === w.id ? next : x)));
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  >
                    {w.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <ConfirmButton
                    label="Delete"
                    confirmLabel="Yes, delete"
                    question="Delete this endpoint? Nothing more is delivered to it."
                    onConfirm={async () => {
                      try {
                        await api.deleteWebhook(w.id);
                        setItems((list) => list?.filter((x) => x.id !== w.id));
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  />
                </div>
                {open === w.id ? <Deliveries api={api} endpoint={w} /> : null}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </main>
  );
}

function CreateWebhookForm({ api, onCreated }: { api: ApiClient; onCreated: (w: WebhookWithSecret) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card"
      aria-label="Create webhook endpoint"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          const types = events
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean);
          const created = await api.createWebhook({
            url: url.trim(),
            ...(description.trim() ? { description: description.trim() } : {}),
            ...(types.length ? { events: types as never } : {}),
          });
          setUrl('');
          setDescription('');
          setEvents('');
          onCreated(created);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>Add an endpoint</h2>
      <label for="webhook-url">Endpoint URL</label>
      <input id="webhook-url" type="url" required placeholder="https://example.com/hooks/streamplane" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
      <label for="webhook-description">Description (optional)</label>
      <input id="webhook-description" maxLength={256} value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
      <label for="webhook-events">Event types (optional, comma-separated; empty = all)</label>
      <input id="webhook-events" placeholder="stream.live, stream.ended" value={events} onInput={(e) => setEvents((e.target as HTMLInputElement).value)} />
      <button type="submit" disabled={busy}>
        Create endpoint
      </button>
      <ProblemBox error={error} />
    </form>
  );
}

const FILTERS = ['all', 'succeeded', 'failed', 'duplicate'] as const;

function Deliveries({ api, endpoint }: { api: ApiClient; endpoint: Webhook }) {
  const [attempts, setAttempts] = useState<Attempt[] | undefined>(undefined);
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>('all');
  const [error, setError] = useState<unknown>(undefined);
  const [note, setNote] = useState<string | undefined>(undefined);
  const load = async () => {
    try {
      setAttempts((await api.listAttempts(endpoint.id)).items);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    void load();
    // The log fills as deliveries happen: re-read it while it is open.
    const timer = setInterval(() => void load(), 3000);
    return () => clearInterval(timer);
  }, [api, endpoint.id]);
  const shown = attempts?.filter((a) => filter === 'all' || a.outcome === filter);
  const selectId = `filter-${endpoint.id}`;
  return (
    <div class="deliveries">
      <div class="row">
        <label for={selectId}>Show</label>
        <select id={selectId} value={filter} onChange={(e) => setFilter((e.target as HTMLSelectElement).value as (typeof FILTERS)[number])}>
          {FILTERS.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
        <button type="button" class="secondary small" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <ProblemBox error={error} onDismiss={() => setError(undefined)} />
      {note ? <p role="status">{note}</p> : null}
      {shown === undefined ? (
        <p>Loading…</p>
      ) : shown.length === 0 ? (
        <p>No deliveries{filter === 'all' ? ' yet' : ` with outcome ${filter}`}.</p>
      ) : (
        <table class="attempts" aria-label={`Delivery log of ${endpoint.url}`}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Attempt</th>
              <th scope="col">Outcome</th>
              <th scope="col">Answer</th>
              <th scope="col">Redeliver</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((a) => (
              <tr key={`${a.deliveryId}-${a.attempt}`} data-outcome={a.outcome}>
                <td data-label="When">{formatTime(a.startedAt)}</td>
                <td data-label="Event">
                  <code>{a.eventType}</code>
                </td>
                <td data-label="Attempt">
                  {a.attempt} ({a.trigger})
                </td>
                <td data-label="Outcome">
                  <StatusBadge status={a.outcome} />
                  {a.deadLettered ? <span class="hint"> dead-lettered</span> : null}
                </td>
                <td data-label="Answer">
                  {a.statusCode ?? '—'} · {Math.round(a.latencyMs)} ms{a.error ? ` · ${a.error.message}` : ''}
                </td>
                <td data-label="Redeliver">
                  {a.outcome !== 'failed' ? (
                    <span class="hint">—</span>
                  ) : (
                  <button
                    type="button"
                    class="secondary small"
                    aria-label={`Redeliver ${a.eventType} (${a.deliveryId})`}
                    onClick={async () => {
                      setError(undefined);
                      try {
                        const queued = await api.redeliver(endpoint.id, a.deliveryId);
                        setNote(`Redelivery queued (attempt ${queued.attempt}).`);
                        await load();
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  >
                    Redeliver
                  </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
