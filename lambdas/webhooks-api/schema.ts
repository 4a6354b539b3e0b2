/**
 * Wire schemas of the webhooks API (zod): request bodies, query strings and the documented response
 * shapes. Bodies are strict (unknown fields are refused) so a typo is an error, not a silent no-op.
 */
import { z } from 'zod';
import { pageCursor, pageLimit } from '../shared/paging-schema';
import { EVENT_TYPES } from '../../core/events/catalog';
import { MAX_WEBHOOK_URL_LENGTH } from '../../core/webhooks/url-policy';
import { ALL_EVENTS } from '../../core/webhooks/webhooks';
import { idSchema } from '../shared/id-schema';

export const MAX_WEBHOOK_BODY_BYTES = 16 * 1024;
export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;

export const webhookIdSchema = idSchema('webhook');
export const deliveryIdSchema = idSchema('delivery');

const url = z.string().min(1, 'must not be empty').max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`).describe('http(s) URL deliveries are POSTed to.');

// An enum, not a refinement, so the accepted values show in the OpenAPI document.
const eventFilter = z
  .array(z.enum([ALL_EVENTS, ...EVENT_TYPES], { error: 'is not an event type (see GET /v1/openapi.json or docs/events.md)' }))
  .min(1, 'must name at least one event type, or "*"')
  .max(EVENT_TYPES.length + 1)
  .describe('Event types to deliver; omit or ["*"] for all, including types added later.');

// Shown in dashboards: no control or format characters.
const description = z
  .string()
  .max(256, 'must be at most 256 characters')
  .refine((v) => !/[\p{Cc}\p{Cf}]/u.test(v), 'must not contain control characters');

export const createWebhookBody = z.object({ url, events: eventFilter.optional(), description: description.optional() }).strict();

export const updateWebhookBody = z
  .object({
    url: url.optional(),
    events: eventFilter.optional(),
    description: description.nullable().optional().describe('null removes it.'),
    enabled: z.boolean().optional().describe('true re-enables an endpoint disabled for failing (or by hand).'),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field must be given')
  .meta({ minProperties: 1 });

export const rotateSecretBody = z
  .object({
    keepPreviousSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional()
      .describe('How long the old secret keeps signing as a second signature (default 86400); 0 revokes it now.'),
  })
  .strict()
  .optional();

/** Action endpoints take no body; an empty object is tolerated, anything else is refused. */
export const emptyBody = z.object({}).strict().optional();

const limit = pageLimit(MAX_PAGE_LIMIT);

export const pageQuery = z
  .object({
    limit: limit.optional().describe(`Page size, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}).`),
    cursor: pageCursor.optional(),
  })
  .strict();

export const webhookView = z.object({
  id: webhookIdSchema,
  url: z.string(),
  description: z.string().optional(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  disabledReason: z.enum(['manual', 'failing']).optional(),
  disabledAt: z.iso.datetime().optional(),
  failingSince: z.iso.datetime().optional().describe('Start of the current run of failed attempts.'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/** Only on create and rotate-secret: the secret is shown once and never again. */
export const webhookViewWithSecret = webhookView.extend({
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/).describe('Standard Webhooks signing secret. Shown only now; store it safely.'),
});

const deliveryError = z.object({ code: z.string(), message: z.string() });

export const attemptView = z.object({
  deliveryId: deliveryIdSchema,
  endpointId: webhookIdSchema,
  eventId: z.string(),
  eventType: z.string(),
  streamId: z.string().nullable(),
  attempt: z.number().int(),
  trigger: z.enum(['event', 'retry', 'manual', 'recovery']),
  startedAt: z.iso.datetime(),
  outcome: z.enum(['succeeded', 'failed', 'duplicate']),
  statusCode: z.number().int().optional(),
  latencyMs: z.number(),
  error: deliveryError.optional(),
  nextRetryAt: z.iso.datetime().optional(),
  deadLettered: z.boolean().optional(),
});

const page = (item: z.ZodType, description: string) =>
  z
    .object({ items: z.array(item), next: z.string().optional().describe('Cursor of the next page; absent on the last page.') })
    .describe(description);

export const webhookList = page(webhookView, 'A page of endpoints, newest first.');
export const attemptList = page(attemptView, 'A page of delivery attempts, newest first.');

export const redeliveryQueued = z.object({
  deliveryId: deliveryIdSchema,
  attempt: z.number().int().min(1).describe('Number of the attempt just queued.'),
  status: z.literal('queued'),
});

export const deliveryView = z.object({
  id: deliveryIdSchema,
  endpointId: webhookIdSchema,
  eventId: z.string(),
  eventType: z.string(),
  streamId: z.string().nullable(),
  status: z.enum(['in_flight', 'retrying', 'succeeded', 'dead_lettered']),
  attempts: z.number().int(),
  nextAttemptAt: z.iso.datetime().optional(),
  lastStatusCode: z.number().int().optional(),
  lastError: deliveryError.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  event: z.unknown().describe('The event envelope as delivered.'),
  attemptLog: z.array(attemptView),
});
