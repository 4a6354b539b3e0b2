/**
 * The OpenAPI 3.1 document of the control API. Paths and component schemas come from the route tables
 * of the stream registry, recordings and webhooks APIs (the shared generator reads the same zod schemas
 * the routes parse with), events from the event catalog. Hand-written here: the document's frame, the
 * shared problem responses, and the local plane's SSE route, which no Lambda serves.
 */
import { z } from 'zod';
import { eventCatalogJsonSchema, EVENT_TYPES } from '../../core/events/catalog';
import { recordingsOpenApi } from '../recordings-api/openapi';
import { webhooksOpenApi } from '../webhooks-api/openapi';
import { playbackOpenApi } from '../playback-api/openapi';
import { simulcastOpenApi } from '../simulcast-api/openapi';
import { mediaOpenApi } from '../media-api/openapi';
import type { JsonObject, SharedProblem } from '../shared/api-route';
import { jsonContent as json, jsonSchema as toJsonSchema, mergeDistinct, openApiFragment, schemaRef as ref } from '../shared/openapi';
import { problemSchema, PROBLEM_CONTENT_TYPE } from '../shared/problem';
import { streamRegistryRoutes } from './routes';
import { eventIdSchema, streamIdSchema } from './schema';

export const OPENAPI_VERSION = '3.1.0';
export const API_VERSION = '1.0.0';

const jsonSchema = (schema: z.ZodType) => toJsonSchema(schema, 'input');

function eventSchemaName(type: string): string {
  return `${type.split(/[._]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}Event`;
}

function eventSchemas(): Record<string, JsonObject> {
  const catalog = eventCatalogJsonSchema();
  const schemas: Record<string, JsonObject> = {};
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

const problemResponses = {
  BadRequest: 'The input is not valid (`validation`, `invalid_id`).',
  Unauthorized: 'Missing or wrong bearer token (`unauthorized`).',
  NotFound: 'No such resource (stream, recording, webhook endpoint, delivery) or route (`not_found`).',
  Conflict: 'The stream is in a state that does not allow this, or changed concurrently (`illegal_transition`, `conflict`, `duplicate`, `disabled`).',
  PayloadTooLarge: 'The body is over 64 KiB (`payload_too_large`).',
  UnsupportedMediaType: 'The body is not `application/json` (`unsupported_media_type`).',
  InternalError: 'Something failed on our side (`internal`); nothing about it is disclosed.',
} satisfies Record<SharedProblem, string>;

const problemRef = (name: SharedProblem) => ({ $ref: `#/components/responses/${name}` });

/** The stream registry's own part, generated from its route table. */
export function streamRegistryOpenApi() {
  return openApiFragment({ name: 'streams' }, streamRegistryRoutes);
}

export function buildOpenApiDocument(): JsonObject {
  const streams = streamRegistryOpenApi();
  const recordings = recordingsOpenApi();
  const webhooks = webhooksOpenApi();
  const playback = playbackOpenApi();
  const simulcast = simulcastOpenApi();
  const media = mediaOpenApi();
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
    tags: [streams.tag, recordings.tag, { name: 'events' }, webhooks.tag, playback.tag, simulcast.tag, media.tag, { name: 'meta' }],
    paths: mergeDistinct('path', streams.paths, recordings.paths, webhooks.paths, playback.paths, simulcast.paths, media.paths, {
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
    }),
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
      schemas: mergeDistinct('schema', streams.schemas, recordings.schemas, webhooks.schemas, playback.schemas, simulcast.schemas, media.schemas, { Problem: jsonSchema(problemSchema) }, eventSchemas()),
      responses: Object.fromEntries(
        Object.entries(problemResponses).map(([name, description]) => [name, { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } } }]),
      ),
    },
  };
}
