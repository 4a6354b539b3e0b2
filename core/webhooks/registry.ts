/**
 * Use cases of the webhooks API: register an endpoint (its secret is generated here and returned once),
 * list, read, change, delete, rotate the secret, read the delivery log, redeliver. URLs are checked
 * against the URL policy on every create and change, including every address the host resolves to
 * when a resolver is given (delivery re-checks on every attempt: DNS can change).
 *
 * Must never: return a secret except from create and rotate, or store a URL the policy refuses.
 */
import { ConflictError, InvalidIdError, NotFoundError, StreamplaneError, ValidationError } from '../errors';
import type { EventType } from '../events/catalog';
import { isId, newId } from '../ids';
import type { Clock } from '../ports/clock';
import type { Page } from '../ports/stream-store';
import type { Delivery, DeliveryAttempt, WebhookStore } from '../ports/webhook-store';
import type { AttemptMessage } from '../ports/retry-scheduler';
import { attemptMessage } from './delivery';
import { checkAddress, checkWebhookUrl, ipLiteralOf, type UrlPolicy } from './url-policy';
import { ALL_EVENTS, generateWebhookSecret, normaliseEventFilter, type WebhookEndpoint } from './webhooks';

export const MAX_WEBHOOK_ENDPOINTS = 100;
export const DEFAULT_PREVIOUS_SECRET_SECONDS = 24 * 3600;
const MAX_CONFLICT_RETRIES = 8;

export interface WebhookRegistryDeps {
  store: WebhookStore;
  clock: Clock;
  urlPolicy: UrlPolicy;
  /** Addresses a host name resolves to; when given, registration refuses names that resolve inside. */
  resolveHost?: (hostname: string) => Promise<string[]>;
  /** Queues one attempt to run now (manual redelivery). */
  enqueue: (message: AttemptMessage) => Promise<void>;
  maxEndpoints?: number;
}

export type EventFilter = ReadonlyArray<EventType | typeof ALL_EVENTS>;

export interface CreateWebhookInput {
  url: string;
  events?: EventFilter;
  description?: string;
}

export interface UpdateWebhookInput {
  url?: string;
  events?: EventFilter;
  /** null removes it. */
  description?: string | null;
  enabled?: boolean;
}

export class WebhookDisabledError extends StreamplaneError {
  override readonly name = 'WebhookDisabledError';
  constructor(id: string) {
    super('disabled', `Webhook ${id} is disabled; enable it (PATCH {"enabled": true}) before redelivering.`);
  }
}

export class TooManyWebhooksError extends StreamplaneError {
  override readonly name = 'TooManyWebhooksError';
  constructor(max: number) {
    super('conflict', `At most ${max} webhook endpoints may exist; delete one first.`);
  }
}

export async function createWebhook(deps: WebhookRegistryDeps, input: CreateWebhookInput): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = await admitUrl(deps, input.url);
  const max = deps.maxEndpoints ?? MAX_WEBHOOK_ENDPOINTS;
  if ((await deps.store.countEndpoints()) >= max) throw new TooManyWebhooksError(max);
  const now = deps.clock.now().toISOString();
  const secret = generateWebhookSecret();
  const endpoint: WebhookEndpoint = {
    id: newId('webhook'),
    url,
    events: normaliseEventFilter(input.events),
    enabled: true,
    secret,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  if (input.description !== undefined && input.description !== '') endpoint.description = input.description;
  await deps.store.createEndpoint(endpoint);
  return { endpoint, secret };
}

export async function getWebhook(deps: Pick<WebhookRegistryDeps, 'store'>, id: string): Promise<WebhookEndpoint> {
  if (!isId('webhook', id)) throw new InvalidIdError('webhook');
  const endpoint = await deps.store.getEndpoint(id);
  if (!endpoint) throw new NotFoundError('webhook', id);
  return endpoint;
}

export async function listWebhooks(deps: Pick<WebhookRegistryDeps, 'store'>, options: { limit: number; cursor?: string }): Promise<Page<WebhookEndpoint>> {
  return deps.store.listEndpoints(options);
}

export async function updateWebhook(deps: WebhookRegistryDeps, id: string, patch: UpdateWebhookInput): Promise<WebhookEndpoint> {
  const url = patch.url === undefined ? undefined : await admitUrl(deps, patch.url);
  return mutateEndpoint(deps, id, (current) => {
    const now = deps.clock.now().toISOString();
    const next: WebhookEndpoint = { ...current };
    let clearFailing = false;
    if (url !== undefined) next.url = url;
    if (patch.events !== undefined) next.events = normaliseEventFilter(patch.events);
    if (patch.description === null || patch.description === '') delete next.description;
    else if (patch.description !== undefined) next.description = patch.description;
    if (patch.enabled === true && !current.enabled) {
      // Re-enabling starts afresh: the failing run that disabled it is over.
      next.enabled = true;
      delete next.disabledReason;
      delete next.disabledAt;
      delete next.failingSince;
      clearFailing = true;
    } else if (patch.enabled === false && current.enabled) {
      next.enabled = false;
      next.disabledReason = 'manual';
      next.disabledAt = now;
    }
    next.updatedAt = now;
    return { next, clearFailing };
  });
}

export async function deleteWebhook(deps: Pick<WebhookRegistryDeps, 'store'>, id: string): Promise<void> {
  if (!isId('webhook', id)) throw new InvalidIdError('webhook');
  if (!(await deps.store.deleteEndpoint(id))) throw new NotFoundError('webhook', id);
}

/**
 * Replaces the secret. The previous one keeps signing (as a second signature) for `keepPreviousSeconds`
 * so receivers can switch without failing deliveries; 0 revokes it at once (a leaked secret).
 */
export async function rotateWebhookSecret(
  deps: WebhookRegistryDeps,
  id: string,
  options: { keepPreviousSeconds?: number } = {},
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const keep = options.keepPreviousSeconds ?? DEFAULT_PREVIOUS_SECRET_SECONDS;
  const secret = generateWebhookSecret();
  const endpoint = await mutateEndpoint(deps, id, (current) => {
    const now = deps.clock.now();
    const next: WebhookEndpoint = { ...current, secret, updatedAt: now.toISOString() };
    if (keep > 0) {
      next.previousSecret = current.secret;
      next.previousSecretExpiresAt = new Date(now.getTime() + keep * 1000).toISOString();
    } else {
      delete next.previousSecret;
      delete next.previousSecretExpiresAt;
    }
    return { next, clearFailing: false };
  });
  return { endpoint, secret };
}

export async function listDeliveryAttempts(
  deps: Pick<WebhookRegistryDeps, 'store'>,
  id: string,
  options: { limit: number; cursor?: string },
): Promise<Page<DeliveryAttempt>> {
  await getWebhook(deps, id);
  return deps.store.listAttempts(id, options);
}

export async function getDelivery(deps: Pick<WebhookRegistryDeps, 'store'>, id: string, deliveryId: string): Promise<{ delivery: Delivery; attempts: DeliveryAttempt[] }> {
  await getWebhook(deps, id);
  const delivery = await requireDelivery(deps.store, id, deliveryId);
  const attempts = await deps.store.listAttempts(id, { limit: 100, deliveryId });
  return { delivery, attempts: attempts.items };
}

/**
 * Queues one attempt now. A delivery waiting for a retry gets it early (its schedule continues from
 * there if it fails); a dead-lettered one gets one more attempt. A succeeded delivery is not sent again.
 */
export async function retryDelivery(deps: WebhookRegistryDeps, id: string, deliveryId: string): Promise<{ deliveryId: string; attempt: number }> {
  const endpoint = await getWebhook(deps, id);
  const delivery = await requireDelivery(deps.store, id, deliveryId);
  if (!endpoint.enabled) throw new WebhookDisabledError(id);
  if (delivery.status === 'succeeded') throw new ConflictError(`Delivery ${deliveryId} already succeeded; it is not sent twice.`);
  if (delivery.status === 'in_flight') throw new ConflictError(`An attempt of delivery ${deliveryId} is in progress; try again when it has finished.`);
  const attempt = delivery.lastAttempt + 1;
  await deps.enqueue(
    attemptMessage({
      endpointId: id,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      streamId: delivery.streamId,
      body: delivery.body,
      attempt,
      trigger: 'manual',
    }),
  );
  return { deliveryId, attempt };
}

async function requireDelivery(store: WebhookStore, endpointId: string, deliveryId: string): Promise<Delivery> {
  if (!isId('delivery', deliveryId)) throw new InvalidIdError('delivery');
  const delivery = await store.getDelivery(endpointId, deliveryId);
  if (!delivery) throw new NotFoundError('delivery', deliveryId);
  return delivery;
}

async function mutateEndpoint(
  deps: Pick<WebhookRegistryDeps, 'store'>,
  id: string,
  change: (current: WebhookEndpoint) => { next: WebhookEndpoint; clearFailing: boolean },
): Promise<WebhookEndpoint> {
  for (let attempt = 0; ; attempt++) {
    const current = await getWebhook(deps, id);
    const { next, clearFailing } = change(current);
    try {
      await deps.store.putEndpoint(next, { expectedVersion: current.version, clearFailing });
      return { ...next, version: current.version + 1 };
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw err;
    }
  }
}

/** The URL as it will be stored (WHATWG-normalised), or a ValidationError saying why it is refused. */
async function admitUrl(deps: Pick<WebhookRegistryDeps, 'urlPolicy' | 'resolveHost'>, raw: string): Promise<string> {
  const checked = checkWebhookUrl(raw, deps.urlPolicy);
  if (!checked.ok) throw new ValidationError('The webhook URL is not allowed.', [{ path: 'body.url', message: checked.violation.message }]);
  const host = checked.url.hostname;
  if (deps.resolveHost && ipLiteralOf(host) === undefined) {
    let addresses: string[] = [];
    try {
      addresses = await deps.resolveHost(host);
    } catch {
      // A name that does not resolve yet is not inside the network; deliveries will log DNS failures.
    }
    for (const address of addresses) {
      const decision = checkAddress(address, deps.urlPolicy);
      if (!decision.ok) throw new ValidationError('The webhook URL is not allowed.', [{ path: 'body.url', message: decision.violation.message }]);
    }
  }
  return checked.url.toString();
}
