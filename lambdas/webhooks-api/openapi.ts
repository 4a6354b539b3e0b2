/**
 * The webhooks API's part of the OpenAPI document (paths and component schemas), generated from the
 * zod schemas its routes parse with. The control API's document merges it in; errors refer to that
 * document's shared problem responses by name, or to its `Problem` schema where the wording differs
 * here (a 16 KiB body cap, webhook-specific conflicts).
 *
 * Must never: document a secret anywhere but the create and rotate-secret responses.
 */
import { z } from 'zod';
import { EVENT_TYPES } from '../../core/events/catalog';
import { DEFAULT_PREVIOUS_SECRET_SECONDS } from '../../core/webhooks/registry';
import { ALL_EVENTS } from '../../core/webhooks/webhooks';
import { PROBLEM_CONTENT_TYPE } from '../shared/problem';
import {
  attemptView,
  createWebhookBody,
  DEFAULT_PAGE_LIMIT,
  deliveryIdSchema,
  deliveryView,
  emptyBody,
  MAX_WEBHOOK_BODY_BYTES,
  pageQuery,
  rotateSecretBody,
  updateWebhookBody,
  webhookIdSchema,
  webhookView,
  webhookViewWithSecret,
} from './schema';

type JsonObject = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

/** Request bodies as accepted (transforms such as the event-type check are not representable and are added below). */
const inputSchema = (schema: z.ZodType) => jsonSchema(schema, 'input');
/** Response bodies as sent. */
const outputSchema = (schema: z.ZodType) => jsonSchema(schema, 'output');

/**
 * The `events` filter is checked by a refinement zod cannot express in JSON Schema; the accepted values
 * come from the same catalog. `updateWebhookBody` refuses `{}`, which is `minProperties: 1`.
 */
function withEventEnum(schema: JsonObject): JsonObject {
  const properties = schema.properties as Record<string, JsonObject> | undefined;
  const events = properties?.events;
  if (!properties || !events) return schema;
  return { ...schema, properties: { ...properties, events: { ...events, items: { type: 'string', enum: [ALL_EVENTS, ...EVENT_TYPES] } } } };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonObject) => ({ 'application/json': { schema } });
const shared = (name: 'BadRequest' | 'Unauthorized' | 'NotFound' | 'InternalError') => ({ $ref: `#/components/responses/${name}` });
const problem = (description: string) => ({ description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } } });
const bearer = [{ bearerAuth: [] }];
const tags = ['webhooks'];

const listErrors = { '400': shared('BadRequest'), '401': shared('Unauthorized'), '500': shared('InternalError') };
const readErrors = { '400': shared('BadRequest'), '401': shared('Unauthorized'), '404': shared('NotFound'), '500': shared('InternalError') };
const bodyErrors = {
  '413': problem(`The body is over ${MAX_WEBHOOK_BODY_BYTES / 1024} KiB (\`payload_too_large\`).`),
  '415': problem('The body is not `application/json` (`unsupported_media_type`).'),
};
const concurrentChange = problem('The endpoint kept changing concurrently; try again (`conflict`).');

const webhookIdParameter = { name: 'id', in: 'path', required: true, schema: inputSchema(webhookIdSchema) };
const deliveryIdParameter = { name: 'deliveryId', in: 'path', required: true, schema: inputSchema(deliveryIdSchema) };

function queryParameters(schema: z.ZodType): JsonObject[] {
  const doc = inputSchema(schema) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return { name, in: 'query', required: doc.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: propertySchema };
  });
}

const page = (item: string, description: string): JsonObject => ({
  type: 'object',
  description,
  required: ['items'],
  properties: {
    items: { type: 'array', items: ref(item) },
    next: { type: 'string', description: 'Cursor of the next page; absent on the last page.' },
  },
  additionalProperties: false,
});

const location = (description: string) => ({ Location: { schema: { type: 'string' }, description } });

const redeliveryQueued = z.object({
  deliveryId: deliveryIdSchema,
  attempt: z.number().int().min(1).describe('Number of the attempt just queued.'),
  status: z.literal('queued'),
});

const SECRET_ONCE =
  'The response holds the signing `secret` (`whsec_…`): it is shown only in this response and never again (every other webhook view omits it). Store it safely.';

export function webhooksOpenApi(): { tag: JsonObject; paths: JsonObject; schemas: JsonObject } {
  return {
    tag: {
      name: 'webhooks',
      description: 'Endpoints that receive the events they subscribe to as signed POSTs (Standard Webhooks), with their delivery log and manual redelivery.',
    },
    paths: {
      '/v1/webhooks': {
        post: {
          operationId: 'createWebhook',
          summary: 'Register a webhook endpoint',
          description:
            'The URL must be http(s), without credentials or fragment, and must not reach private, loopback or other internal addresses ' +
            `unless the plane allows them (the local plane allows loopback); a refused URL is a 400 \`validation\`. ${SECRET_ONCE}`,
          tags,
          security: bearer,
          requestBody: { required: true, content: json(ref('CreateWebhookInput')) },
          responses: {
            '201': {
              description: `Created. ${SECRET_ONCE}`,
              headers: location('Path of the new endpoint.'),
              content: json(ref('WebhookWithSecret')),
            },
            ...listErrors,
            '409': problem('The maximum number of endpoints exists already (`conflict`).'),
            ...bodyErrors,
          },
        },
        get: {
          operationId: 'listWebhooks',
          summary: 'List webhook endpoints, newest first',
          tags,
          security: bearer,
          parameters: queryParameters(pageQuery),
          responses: { '200': { description: `A page of endpoints (default ${DEFAULT_PAGE_LIMIT}); never with secrets.`, content: json(ref('WebhookList')) }, ...listErrors },
        },
      },
      '/v1/webhooks/{id}': {
        get: {
          operationId: 'getWebhook',
          summary: 'Get a webhook endpoint',
          tags,
          security: bearer,
          parameters: [webhookIdParameter],
          responses: { '200': { description: 'The endpoint (without its secret).', content: json(ref('Webhook')) }, ...readErrors },
        },
        patch: {
          operationId: 'updateWebhook',
          summary: 'Change a webhook endpoint',
          description: 'Only the fields given change. `enabled: true` re-enables an endpoint disabled for failing; `description: null` removes it.',
          tags,
          security: bearer,
          parameters: [webhookIdParameter],
          requestBody: { required: true, content: json(ref('UpdateWebhookInput')) },
          responses: { '200': { description: 'The updated endpoint (without its secret).', content: json(ref('Webhook')) }, ...readErrors, '409': concurrentChange, ...bodyErrors },
        },
        delete: {
          operationId: 'deleteWebhook',
          summary: 'Delete a webhook endpoint; nothing more is delivered to it',
          tags,
          security: bearer,
          parameters: [webhookIdParameter],
          responses: { '204': { description: 'Deleted.' }, ...readErrors },
        },
      },
      '/v1/webhooks/{id}/rotate-secret': {
        post: {
          operationId: 'rotateWebhookSecret',
          summary: 'Replace the signing secret',
          description:
            `The previous secret keeps signing, as a second signature, for \`keepPreviousSeconds\` (default ${DEFAULT_PREVIOUS_SECRET_SECONDS}) so receivers can switch without failures; 0 revokes it now. ` +
            SECRET_ONCE,
          tags,
          security: bearer,
          parameters: [webhookIdParameter],
          requestBody: { required: false, content: json(ref('RotateWebhookSecretInput')) },
          responses: {
            '200': { description: `The endpoint with its new secret. ${SECRET_ONCE}`, content: json(ref('WebhookWithSecret')) },
            ...readErrors,
            '409': concurrentChange,
            ...bodyErrors,
          },
        },
      },
      '/v1/webhooks/{id}/deliveries': {
        get: {
          operationId: 'listWebhookDeliveryAttempts',
          summary: 'The endpoint\'s delivery log: one entry per attempt, newest first',
          tags,
          security: bearer,
          parameters: [webhookIdParameter, ...queryParameters(pageQuery)],
          responses: { '200': { description: `A page of attempts (default ${DEFAULT_PAGE_LIMIT}).`, content: json(ref('WebhookDeliveryAttemptList')) }, ...readErrors },
        },
      },
      '/v1/webhooks/{id}/deliveries/{deliveryId}': {
        get: {
          operationId: 'getWebhookDelivery',
          summary: 'One delivery: its state, the event as delivered, and its attempts',
          tags,
          security: bearer,
          parameters: [webhookIdParameter, deliveryIdParameter],
          responses: { '200': { description: 'The delivery.', content: json(ref('WebhookDelivery')) }, ...readErrors },
        },
      },
      '/v1/webhooks/{id}/deliveries/{deliveryId}/retry': {
        post: {
          operationId: 'retryWebhookDelivery',
          summary: 'Queue one more attempt of a delivery now',
          description:
            'A delivery waiting for a retry gets it early; a dead-lettered one gets one more attempt. Takes no body (`{}` is tolerated). ' +
            'Poll the delivery for the outcome.',
          tags,
          security: bearer,
          parameters: [webhookIdParameter, deliveryIdParameter],
          requestBody: { required: false, content: json(inputSchema(emptyBody)) },
          responses: {
            '202': { description: 'Queued.', headers: location('Path of the delivery.'), content: json(ref('WebhookRedelivery')) },
            ...readErrors,
            '409': problem(
              'The endpoint is disabled (`disabled`), or the delivery already succeeded or has an attempt in progress (`conflict`).',
            ),
            ...bodyErrors,
          },
        },
      },
    },
    schemas: {
      CreateWebhookInput: withEventEnum(inputSchema(createWebhookBody)),
      UpdateWebhookInput: { ...withEventEnum(inputSchema(updateWebhookBody)), minProperties: 1 },
      RotateWebhookSecretInput: inputSchema(rotateSecretBody),
      Webhook: outputSchema(webhookView),
      WebhookWithSecret: outputSchema(webhookViewWithSecret),
      WebhookList: page('Webhook', 'A page of endpoints, newest first.'),
      WebhookDelivery: outputSchema(deliveryView),
      WebhookDeliveryAttempt: outputSchema(attemptView),
      WebhookDeliveryAttemptList: page('WebhookDeliveryAttempt', 'A page of delivery attempts, newest first.'),
      WebhookRedelivery: outputSchema(redeliveryQueued),
    },
  };
}
