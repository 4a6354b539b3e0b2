/**
 * The console's API client: bearer-token fetches of the public control API, typed against the very zod
 * schemas the API validates and documents with (type-only imports: nothing of the server is bundled).
 * Every non-2xx answer becomes an ApiError carrying the problem's `title`/`detail`/`code`, so no screen
 * ever has to show a blank failure.
 *
 * Must never: put the token anywhere but the Authorization header (no URL, no cookie).
 */
import type { z } from 'zod';
import type { createStreamInput, streamList, streamView, streamViewWithKey, updateStreamInput } from '../lambdas/stream-registry/schema';
import type { sessionList, sessionView, streamHealth } from '../lambdas/stream-registry/monitoring-schema';
import type { recordingList, recordingView } from '../lambdas/recordings-api/schema';
import type { attemptList, attemptView, redeliveryQueued, webhookList, webhookView, webhookViewWithSecret } from '../lambdas/webhooks-api/schema';
import type { createWebhookBody, updateWebhookBody } from '../lambdas/webhooks-api/schema';
import type { StreamplaneEvent } from '../core/events/catalog';

export type Stream = z.infer<typeof streamView>;
export type StreamWithKey = z.infer<typeof streamViewWithKey>;
export type StreamList = z.infer<typeof streamList>;
export type Recording = z.infer<typeof recordingView>;
export type RecordingList = z.infer<typeof recordingList>;
export type Webhook = z.infer<typeof webhookView>;
export type WebhookWithSecret = z.infer<typeof webhookViewWithSecret>;
/** `webhookList`'s item is typed loosely by its helper in schema.ts; the page shape is the same. */
export type WebhookList = Omit<z.infer<typeof webhookList>, 'items'> & { items: Webhook[] };
export type Attempt = z.infer<typeof attemptView>;
export type AttemptList = Omit<z.infer<typeof attemptList>, 'items'> & { items: Attempt[] };
export type CreateWebhook = z.input<typeof createWebhookBody>;
export type UpdateWebhook = z.input<typeof updateWebhookBody>;
export type Redelivery = z.infer<typeof redeliveryQueued>;
export type PlaneEvent = StreamplaneEvent;
export type CreateStreamInput = z.input<typeof createStreamInput>;
export type UpdateStreamInput = z.input<typeof updateStreamInput>;
export type StreamHealth = z.infer<typeof streamHealth>;
export type Session = z.infer<typeof sessionView>;
export type SessionList = z.infer<typeof sessionList>;

/** RFC 9457 problem details as the API sends them. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  code?: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

/** Turns any failed response (problem+json or not) into a Problem. */
export async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (typeof body.title === 'string') return { ...body, title: body.title, status: typeof body.status === 'number' ? body.status : response.status };
  } catch {
    // not JSON: fall through
  }
  return { title: response.statusText || `HTTP ${response.status}`, status: response.status, detail: text.slice(0, 300) || undefined };
}

export interface ApiClientOptions {
  /** Where `/v1` lives: '' for the console's own origin (local plane), else e.g. https://abc.execute-api…amazonaws.com */
  apiBase: string;
  token: string;
  /** Called on a 401 (the token was revoked or rotated): the app signs out. */
  onUnauthorized?: (problem: Problem) => void;
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get apiBase(): string {
    return this.options.apiBase;
  }

  get token(): string {
    return this.options.token;
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.options.apiBase + path, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
        credentials: 'omit',
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError({ title: 'The API cannot be reached', status: 0, detail: err instanceof Error ? err.message : String(err) });
    }
    if (!response.ok) {
      const problem = await problemOf(response);
      if (response.status === 401) this.options.onUnauthorized?.(problem);
      throw new ApiError(problem);
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  // --- streams
  listStreams(cursor?: string) {
    return this.request<StreamList>('GET', `/v1/streams?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  }
  getStream(id: string) {
    return this.request<Stream>('GET', `/v1/streams/${encodeURIComponent(id)}`);
  }
  createStream(input: CreateStreamInput) {
    return this.request<StreamWithKey>('POST', '/v1/streams', input);
  }
  updateStream(id: string, input: UpdateStreamInput) {
    return this.request<Stream>('PATCH', `/v1/streams/${encodeURIComponent(id)}`, input);
  }
  getHealth(id: string, signal?: AbortSignal) {
    return this.request<StreamHealth>('GET', `/v1/streams/${encodeURIComponent(id)}/health`, undefined, signal);
  }
  listSessions(id: string) {
    return this.request<SessionList>('GET', `/v1/streams/${encodeURIComponent(id)}/sessions?limit=20`);
  }
  resetKey(id: string) {
    return this.request<StreamWithKey>('POST', `/v1/streams/${encodeURIComponent(id)}/reset-key`);
  }
  streamAction(id: string, action: 'disable' | 'enable' | 'end') {
    return this.request<Stream>('POST', `/v1/streams/${encodeURIComponent(id)}/${action}`);
  }
  deleteStream(id: string) {
    return this.request<void>('DELETE', `/v1/streams/${encodeURIComponent(id)}`);
  }
  listEvents(query: { streamId?: string; after?: string; limit?: number }) {
    const params = new URLSearchParams();
    if (query.streamId) params.set('streamId', query.streamId);
    if (query.after) params.set('after', query.after);
    params.set('limit', String(query.limit ?? 100));
    return this.request<{ items: PlaneEvent[] }>('GET', `/v1/events?${params}`);
  }

  // --- recordings
  listRecordings(streamId: string) {
    return this.request<RecordingList>('GET', `/v1/streams/${encodeURIComponent(streamId)}/recordings?limit=100`);
  }
  getRecording(id: string) {
    return this.request<Recording>('GET', `/v1/recordings/${encodeURIComponent(id)}`);
  }
  exportMp4(id: string) {
    return this.request<Recording>('POST', `/v1/recordings/${encodeURIComponent(id)}/mp4`);
  }
  deleteRecording(id: string) {
    return this.request<void>('DELETE', `/v1/recordings/${encodeURIComponent(id)}`);
  }

  // --- webhooks
  listWebhooks() {
    return this.request<WebhookList>('GET', '/v1/webhooks?limit=100');
  }
  createWebhook(input: CreateWebhook) {
    return this.request<WebhookWithSecret>('POST', '/v1/webhooks', input);
  }
  updateWebhook(id: string, input: UpdateWebhook) {
    return this.request<Webhook>('PATCH', `/v1/webhooks/${encodeURIComponent(id)}`, input);
  }
  deleteWebhook(id: string) {
    return this.request<void>('DELETE', `/v1/webhooks/${encodeURIComponent(id)}`);
  }
  listAttempts(id: string) {
    return this.request<AttemptList>('GET', `/v1/webhooks/${encodeURIComponent(id)}/deliveries?limit=100`);
  }
  redeliver(id: string, deliveryId: string) {
    return this.request<Redelivery>('POST', `/v1/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/retry`);
  }
}
