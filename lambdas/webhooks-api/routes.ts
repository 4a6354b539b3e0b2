/**
 * The webhooks API routes: each parses its input, calls one core use case, and maps the result. Path
 * ids are checked in core before any store call. Only create and rotate-secret put a secret in the
 * response; every other view is built without one (the view type has no secret field).
 */
import { InvalidIdError } from '../../core/errors';
import { isId } from '../../core/ids';
import type { Delivery, DeliveryAttempt } from '../../core/ports/webhook-store';
import {
  createWebhook,
  deleteWebhook,
  getDelivery,
  getWebhook,
  listDeliveryAttempts,
  listWebhooks,
  retryDelivery,
  rotateWebhookSecret,
  updateWebhook,
  type WebhookRegistryDeps,
} from '../../core/webhooks/registry';
import { toWebhookView } from '../../core/webhooks/webhooks';
import { emptyResponse, jsonResponse } from '../shared/json-response';
import type { Route, RouteRequest } from '../shared/router';
import { parseInput } from '../shared/validate';
import { createWebhookBody, DEFAULT_PAGE_LIMIT, emptyBody, pageQuery, rotateSecretBody, updateWebhookBody } from './schema';

export function webhooksRoutes(deps: WebhookRegistryDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/webhooks',
      handle: async (req) => {
        const input = parseInput(createWebhookBody, req.body, 'body');
        const { endpoint, secret } = await createWebhook(deps, input);
        return jsonResponse(201, toWebhookView(endpoint, secret), { location: `/v1/webhooks/${endpoint.id}` });
      },
    },
    {
      method: 'GET',
      path: '/v1/webhooks',
      handle: async (req) => {
        const query = parseInput(pageQuery, req.query, 'query');
        const page = await listWebhooks(deps, { limit: query.limit ?? DEFAULT_PAGE_LIMIT, ...(query.cursor ? { cursor: query.cursor } : {}) });
        return jsonResponse(200, { items: page.items.map((endpoint) => toWebhookView(endpoint)), ...(page.next ? { next: page.next } : {}) });
      },
    },
    {
      method: 'GET',
      path: '/v1/webhooks/{id}',
      handle: async (req) => jsonResponse(200, toWebhookView(await getWebhook(deps, webhookId(req)))),
    },
    {
      method: 'PATCH',
      path: '/v1/webhooks/{id}',
      handle: async (req) => {
        const id = webhookId(req);
        const patch = parseInput(updateWebhookBody, req.body, 'body');
        return jsonResponse(200, toWebhookView(await updateWebhook(deps, id, patch)));
      },
    },
    {
      method: 'DELETE',
      path: '/v1/webhooks/{id}',
      handle: async (req) => {
        await deleteWebhook(deps, webhookId(req));
        return emptyResponse(204);
      },
    },
    {
      method: 'POST',
      path: '/v1/webhooks/{id}/rotate-secret',
      handle: async (req) => {
        const id = webhookId(req);
        const options = parseInput(rotateSecretBody, req.body, 'body') ?? {};
        const { endpoint, secret } = await rotateWebhookSecret(deps, id, options.keepPreviousSeconds === undefined ? {} : { keepPreviousSeconds: options.keepPreviousSeconds });
        return jsonResponse(200, toWebhookView(endpoint, secret));
      },
    },
    {
      method: 'GET',
      path: '/v1/webhooks/{id}/deliveries',
      handle: async (req) => {
        const id = webhookId(req);
        const query = parseInput(pageQuery, req.query, 'query');
        const page = await listDeliveryAttempts(deps, id, { limit: query.limit ?? DEFAULT_PAGE_LIMIT, ...(query.cursor ? { cursor: query.cursor } : {}) });
        return jsonResponse(200, { items: page.items, ...(page.next ? { next: page.next } : {}) });
      },
    },
    {
      method: 'GET',
      path: '/v1/webhooks/{id}/deliveries/{deliveryId}',
      handle: async (req) => {
        const { delivery, attempts } = await getDelivery(deps, webhookId(req), deliveryIdParam(req));
        return jsonResponse(200, deliveryView(delivery, attempts));
      },
    },
    {
      method: 'POST',
      path: '/v1/webhooks/{id}/deliveries/{deliveryId}/retry',
      handle: async (req) => {
        const id = webhookId(req);
        const deliveryId = deliveryIdParam(req);
        parseInput(emptyBody, req.body, 'body');
        const queued = await retryDelivery(deps, id, deliveryId);
        return jsonResponse(202, { ...queued, status: 'queued' }, { location: `/v1/webhooks/${id}/deliveries/${deliveryId}` });
      },
    },
  ];
}

function webhookId(req: RouteRequest): string {
  const id = req.params.id;
  if (!isId('webhook', id)) throw new InvalidIdError('webhook');
  return id;
}

function deliveryIdParam(req: RouteRequest): string {
  const id = req.params.deliveryId;
  if (!isId('delivery', id)) throw new InvalidIdError('delivery');
  return id;
}

function deliveryView(delivery: Delivery, attempts: DeliveryAttempt[]) {
  let event: unknown;
  try {
    event = JSON.parse(delivery.body);
  } catch {
    event = undefined;
  }
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    streamId: delivery.streamId,
    status: delivery.status,
    attempts: delivery.lastAttempt,
    ...(delivery.nextAttemptAt ? { nextAttemptAt: delivery.nextAttemptAt } : {}),
    ...(delivery.lastStatusCode !== undefined ? { lastStatusCode: delivery.lastStatusCode } : {}),
    ...(delivery.lastError ? { lastError: delivery.lastError } : {}),
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
    event,
    attemptLog: attempts,
  };
}
