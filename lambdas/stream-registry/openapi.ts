/**
 * The OpenAPI 3.1 document of the control API, generated from the same zod schemas the handler parses
 * with and from the event catalog, so the description cannot drift from the behaviour. Events appear
 * both as component schemas (for `/v1/events`) and as OpenAPI `webhooks` (what endpoints receive).
 */
import { z } from 'zod';
import { eventCatalogJsonSchema, EVENT_TYPES } from '../../core/events/catalog';
import { recordingsOpenApi } from '../recordings-api/openapi';
import { webhooksOpenApi } from '../webhooks-api/openapi';
import { problemSchema, PROBLEM_CONTENT_TYPE } from '../shared/problem';
import {
  createStreamInput,
  DEFAULT_EVENT_PAGE_LIMIT,
  DEFAULT_STREAM_PAGE_LIMIT,
  eventIdSchema,
  listEventsQuery,
  listStreamsQuery,
  streamIdSchema,
  streamList,
  streamView,
  streamViewWithKey,
  updateStreamInput,
} from './schema';

type JsonObject = Record<string, unknown>;

export const OPENAPI_VERSION = '3.1.0';
export const API_VERSION = '1.0.0';

function jsonSchema(schema: z.ZodType): JsonObject {
  // Bodies are documented as accepted (input); transforms such as trim are not representable and need not be.
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonObject;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonObject) => ({ 'application/json': { schema } });

function eventSchemaName(type: string): string {
  return `${type.split(/[._]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}Event`;
}

function eventSchemas(): JsonObject {
  const catalog = eventCatalogJsonSchema();
  const schemas: JsonObject = {};
  for (const type of EVENT_TYPES) {
    const entry = catalog[type];
    if (!entry) continue;
    const { $schema: _ignored, ...data } = entry.data as JsonObject;
    schemas[eventSchemaName(type)] = {
      type: 'object',
      description: entry.description,
      required: ['id', 'type', 'version', 'time', 'streamId', 'sequence', 'data'],
      properties: {
        id: jsonSchema(eventIdSchema),
        type: { const: type },
        version: { const: entry.version },
        time: { type: 'string', format: 'date-time' },
        streamId: { oneOf: [jsonSchema(streamIdSchema), { type: 'null' }] },
        sessionId: { type: 'string' },
        sequence: { type: 'integer', minimum: 1, description: 'Strictly increasing per stream.' },
        data,
      },
    };
  }
  schemas.Event = {
    oneOf: EVENT_TYPES.map((type) => ref(eventSchemaName(type))),
    discriminator: { propertyName: 'type', mapping: Object.fromEntries(EVENT_TYPES.map((t) => [t, `#/components/schemas/${eventSchemaName(t)}`])) },
  };
  return schemas;
}

/** Query parameters straight from the zod query schemas. */
function queryParameters(schema: z.ZodType): JsonObject[] {
  const doc = jsonSchema(schema) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return { name, in: 'query', required: doc.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: propertySchema };
  });
}

const problemResponses = {
  BadRequest: 'The input is not valid (`validation`, `invalid_id`).',
  Unauthorized: 'Missing or wrong bearer token (`unauthorized`).',
  NotFound: 'No such resource (stream, recording, webhook endpoint, delivery) or route (`not_found`).',
  Conflict: 'The stream is in a state that does not allow this, or changed concurrently (`illegal_transition`, `conflict`, `duplicate`, `disabled`).',
  PayloadTooLarge: 'The body is over 64 KiB (`payload_too_large`).',
  UnsupportedMediaType: 'The body is not `application/json` (`unsupported_media_type`).',
  InternalError: 'Something failed on our side (`internal`); nothing about it is disclosed.',
} as const;

const problemRef = (name: keyof typeof problemResponses) => ({ $ref: `#/components/responses/${name}` });

const readErrors = { '400': problemRef('BadRequest'), '401': problemRef('Unauthorized'), '404': problemRef('NotFound'), '500': problemRef('InternalError') };
const writeErrors = { ...readErrors, '409': problemRef('Conflict'), '413': problemRef('PayloadTooLarge'), '415': problemRef('UnsupportedMediaType') };

const idParameter = { name: 'id', in: 'path', required: true, schema: jsonSchema(streamIdSchema) };

function streamAction(summary: string, operationId: string, description: string): JsonObject {
  return {
    post: {
      operationId,
      summary,
      description,
      tags: ['streams'],
      parameters: [idParameter],
      responses: { '200': { description: 'The stream after the change.', content: json(ref('Stream')) }, ...writeErrors },
    },
  };
}

export function buildOpenApiDocument(): JsonObject {
  const events = eventSchemas();
  const recordings = recordingsOpenApi();
  const webhooks = webhooksOpenApi();
  return {
    openapi: OPENAPI_VERSION,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Streamplane control API',
      version: API_VERSION,
      description:
        'Create streams, hand their RTMP ingest details to an encoder, play them back over HLS, and follow what happens through events. ' +
        'Errors are `application/problem+json` with a stable `code`. Stream keys are returned only on create and reset-key, ' +
        'webhook signing secrets only on create and rotate-secret.',
    },
    security: [{ bearerAuth: [] }],
    tags: [{ name: 'streams' }, recordings.tag, { name: 'events' }, webhooks.tag, { name: 'meta' }],
    paths: {
      '/v1/streams': {
        post: {
          operationId: 'createStream',
          summary: 'Create a stream',
          tags: ['streams'],
          requestBody: { required: true, content: json(ref('CreateStreamInput')) },
          responses: {
            '201': {
              description: 'Created. The response holds the stream key; it is not shown again.',
              headers: { Location: { schema: { type: 'string' }, description: 'Path of the new stream.' } },
              content: json(ref('StreamWithKey')),
            },
            ...writeErrors,
          },
        },
        get: {
          operationId: 'listStreams',
          summary: 'List streams, newest first',
          tags: ['streams'],
          parameters: queryParameters(listStreamsQuery),
          responses: { '200': { description: `A page of streams (default ${DEFAULT_STREAM_PAGE_LIMIT}).`, content: json(ref('StreamList')) }, ...readErrors },
        },
      },
      '/v1/streams/{id}': {
        get: {
          operationId: 'getStream',
          summary: 'Get a stream',
          tags: ['streams'],
          parameters: [idParameter],
          responses: { '200': { description: 'The stream.', content: json(ref('Stream')) }, ...readErrors },
        },
        patch: {
          operationId: 'updateStream',
          summary: 'Change a stream\'s settings',
          tags: ['streams'],
          parameters: [idParameter],
          requestBody: { required: true, content: json(ref('UpdateStreamInput')) },
          responses: { '200': { description: 'The updated stream.', content: json(ref('Stream')) }, ...writeErrors },
        },
        delete: {
          operationId: 'deleteStream',
          summary: 'Delete a stream; its key stops working at once',
          tags: ['streams'],
          parameters: [idParameter],
          responses: { '204': { description: 'Deleted.' }, ...readErrors },
        },
      },
      '/v1/streams/{id}/reset-key': {
        post: {
          operationId: 'resetStreamKey',
          summary: 'Replace the stream key; the old one stops working at once',
          tags: ['streams'],
          parameters: [idParameter],
          responses: { '200': { description: 'The stream with its new key (shown only now).', content: json(ref('StreamWithKey')) }, ...writeErrors },
        },
      },
      '/v1/streams/{id}/disable': streamAction('Disable a stream', 'disableStream', 'Ends an open session and refuses publishes until enabled.'),
      '/v1/streams/{id}/enable': streamAction('Enable a disabled stream', 'enableStream', 'The stream becomes idle and accepts publishes again.'),
      '/v1/streams/{id}/end': streamAction('End the open session now', 'endStream', 'The publisher is disconnected; `stream.ended` is emitted.'),
      ...recordings.paths,
      ...webhooks.paths,
      '/v1/events': {
        get: {
          operationId: 'listEvents',
          summary: 'Recent events (kept seven days)',
          description:
            'Without `after`, the most recent events, oldest first; with `after`, the events following that one. Poll by passing the last id seen. ' +
            'With `streamId`, ordered by the stream\'s sequence; otherwise by time across all streams.',
          tags: ['events'],
          parameters: queryParameters(listEventsQuery),
          responses: {
            '200': {
              description: `Events (default ${DEFAULT_EVENT_PAGE_LIMIT}).`,
              content: json({ type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Event') } } }),
            },
            ...readErrors,
          },
        },
      },
      '/v1/events/stream': {
        get: {
          operationId: 'streamEvents',
          summary: 'Live events as Server-Sent Events (local plane only)',
          description:
            'Served by the local plane only; the cloud API does not serve this path (cloud clients poll `GET /v1/events?after=` with the last id seen). ' +
            'Each event is one SSE message: `id:` the event id, `event:` its type, `data:` the event as JSON (`#/components/schemas/Event`). ' +
            'With `Last-Event-ID` (sent by EventSource on reconnect) or `after`, the events after that id are replayed first (by default at most 1000; ' +
            'older history: `GET /v1/events`), then live events follow without a gap. A comment line is sent periodically (15 s by default) as a heartbeat. ' +
            'The token goes in the `Authorization` header; a client that reads too slowly is disconnected and can resume with `Last-Event-ID`. ' +
            'Unknown query parameters are refused (400).',
          tags: ['events'],
          security: [{ bearerAuth: [] }],
          parameters: [
            { name: 'streamId', in: 'query', required: false, description: 'Only this stream\'s events.', schema: jsonSchema(streamIdSchema) },
            {
              name: 'types',
              in: 'query',
              required: false,
              description: 'Only these event types, comma-separated (at most 50).',
              schema: { type: 'string' },
              example: 'stream.live,stream.ended',
            },
            { name: 'after', in: 'query', required: false, description: 'Replay the events after this one first. `Last-Event-ID` wins when both are given.', schema: jsonSchema(eventIdSchema) },
            { name: 'Last-Event-ID', in: 'header', required: false, description: 'Like `after`; sent by EventSource when it reconnects.', schema: jsonSchema(eventIdSchema) },
          ],
          responses: {
            '200': {
              description: 'The event stream; it stays open until the client leaves or the plane shuts down.',
              content: {
                'text/event-stream': {
                  schema: { type: 'string', description: 'SSE frames: `retry:` and comment lines, then one `id:`/`event:`/`data:` message per event.' },
                  example: 'retry: 3000\n: connected\n\nid: evt_abcdefghijklmnopqrst\nevent: stream.live\ndata: {"id":"evt_abcdefghijklmnopqrst","type":"stream.live"}\n\n',
                },
              },
            },
            '400': problemRef('BadRequest'),
            '401': problemRef('Unauthorized'),
            '500': problemRef('InternalError'),
            '503': {
              description: 'Too many event stream clients are connected (`unavailable`); retry after `Retry-After` seconds.',
              headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } },
              content: { [PROBLEM_CONTENT_TYPE]: { schema: jsonSchema(problemSchema.omit({ errors: true }).extend({ code: z.literal('unavailable') })) } },
            },
          },
        },
      },
      '/v1/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          tags: ['meta'],
          security: [],
          responses: { '200': { description: 'The OpenAPI document.', content: json({ type: 'object' }) } },
        },
      },
    },
    webhooks: Object.fromEntries(
      EVENT_TYPES.map((type) => [
        type,
        {
          post: {
            summary: type,
            description: 'Delivered to every webhook endpoint, signed with the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature).',
            requestBody: { required: true, content: json(ref(eventSchemaName(type))) },
            responses: { '2XX': { description: 'Accepted; any other answer is retried with backoff.' } },
          },
        },
      ]),
    ),
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The API token of the plane.' } },
      schemas: {
        CreateStreamInput: jsonSchema(createStreamInput),
        UpdateStreamInput: jsonSchema(updateStreamInput),
        Stream: jsonSchema(streamView),
        StreamWithKey: jsonSchema(streamViewWithKey),
        StreamList: jsonSchema(streamList),
        ...recordings.schemas,
        ...webhooks.schemas,
        Problem: jsonSchema(problemSchema),
        ...events,
      },
      responses: Object.fromEntries(
        Object.entries(problemResponses).map(([name, description]) => [name, { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } } }]),
      ),
    },
  };
}
