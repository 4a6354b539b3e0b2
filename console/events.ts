/**
 * Live events for the console. A browser EventSource cannot send an Authorization header and the token
 * must never go into a URL, so the local plane's Server-Sent Events stream (`/v1/events/stream`) is read
 * with fetch and parsed here; a dropped connection resumes with `Last-Event-ID`. Where the API has no
 * event stream (the cloud API answers 404), the recent-events endpoint is polled with `after` instead.
 *
 * Must never: deliver an event twice to a subscriber (ids are remembered), or keep reading after stop.
 */
import { ApiError, problemOf, type ApiClient, type PlaneEvent } from './api';

export interface LiveEvents {
  stop(): void;
}

export interface LiveEventsOptions {
  streamId?: string;
  /** Resume after this event id (e.g. the last one of an initial GET /v1/events page). */
  after?: string;
  onEvent(event: PlaneEvent): void;
  /** Connection state, for a small "live" indicator. */
  onState?(state: 'connecting' | 'live' | 'polling' | 'error', error?: ApiError): void;
  pollIntervalMs?: number;
}

export function subscribeEvents(api: ApiClient, options: LiveEventsOptions): LiveEvents {
  const controller = new AbortController();
  let lastId = options.after;
  const seen = new Set<string>();
  let stopped = false;
  const deliver = (event: PlaneEvent) => {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    if (seen.size > 5000) seen.delete(seen.values().next().value as string);
    lastId = event.id;
    options.onEvent(event);
  };
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      controller.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  async function readStream(): Promise<'fallback' | 'retry'> {
    const params = new URLSearchParams();
    if (options.streamId) params.set('streamId', options.streamId);
    const response = await fetch(`${api.apiBase}/v1/events/stream${params.size ? `?${params}` : ''}`, {
      headers: { authorization: `Bearer ${api.token}`, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
      credentials: 'omit',
      signal: controller.signal,
    });
    if (response.status === 404 || response.status === 405) return 'fallback';
    if (!response.ok || !response.body) {
      options.onState?.('error', new ApiError(await problemOf(response)));
      return 'retry';
    }
    options.onState?.('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'retry';
      buffer += value;
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = frame
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!data) continue;
        try {
          deliver(JSON.parse(data) as PlaneEvent);
        } catch {
          // a malformed frame is skipped, the stream goes on
        }
      }
    }
  }

  async function poll(): Promise<void> {
    options.onState?.('polling');
    while (!stopped) {
      try {
        const page = await api.listEvents({ ...(options.streamId ? { streamId: options.streamId } : {}), ...(lastId ? { after: lastId } : {}), limit: 100 });
        for (const event of page.items) deliver(event);
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError) options.onState?.('error', err);
      }
      await wait(options.pollIntervalMs ?? 3000);
    }
  }

  void (async () => {
    let backoff = 1000;
    while (!stopped) {
      options.onState?.('connecting');
      try {
        const outcome = await readStream();
        if (outcome === 'fallback') return poll();
        backoff = 1000;
      } catch (err) {
        if (stopped) return;
        options.onState?.('error', err instanceof ApiError ? err : new ApiError({ title: 'The event stream was interrupted', status: 0, detail: String(err) }));
      }
      await wait(backoff);
      backoff = Math.min(backoff * 2, 15_000);
    }
  })();

  return {
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}
