/**
 * The recordings API's part of the OpenAPI document (paths and component schemas), generated from the
 * zod schemas its routes use. The control API's document merges it in; responses refer to that
 * document's shared problem responses by name.
 */
import { z } from 'zod';
import { DEFAULT_RECORDING_PAGE_LIMIT, listRecordingsQuery, recordingIdSchema, recordingList, recordingView } from './schema';

type JsonObject = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonObject;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonObject) => ({ 'application/json': { schema } });
const problem = (name: string) => ({ $ref: `#/components/responses/${name}` });
const readErrors = { '400': problem('BadRequest'), '401': problem('Unauthorized'), '404': problem('NotFound'), '500': problem('InternalError') };

const recordingId = { name: 'id', in: 'path', required: true, schema: jsonSchema(recordingIdSchema) };
const streamId = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^st_[a-z2-7]{20}$' }, description: 'Stream id.' };

function queryParameters(schema: z.ZodType): JsonObject[] {
  const doc = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return { name, in: 'query', required: doc.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: propertySchema };
  });
}

export function recordingsOpenApi(): { tag: JsonObject; paths: JsonObject; schemas: JsonObject } {
  return {
    tag: { name: 'recordings', description: 'Every session of a recorded stream becomes a VOD (see docs/recordings.md).' },
    paths: {
      '/v1/streams/{id}/recordings': {
        get: {
          operationId: 'listStreamRecordings',
          summary: 'A stream\'s recordings, newest first',
          tags: ['recordings'],
          parameters: [streamId, ...queryParameters(listRecordingsQuery)],
          responses: { '200': { description: `A page of recordings (default ${DEFAULT_RECORDING_PAGE_LIMIT}).`, content: json(ref('RecordingList')) }, ...readErrors },
        },
      },
      '/v1/recordings/{id}': {
        get: {
          operationId: 'getRecording',
          summary: 'Get a recording',
          tags: ['recordings'],
          parameters: [recordingId],
          responses: { '200': { description: 'The recording.', content: json(ref('Recording')) }, ...readErrors },
        },
        delete: {
          operationId: 'deleteRecording',
          summary: 'Delete a recording and all its media',
          tags: ['recordings'],
          parameters: [recordingId],
          responses: { '204': { description: 'Deleted.' }, '409': problem('Conflict'), ...readErrors },
        },
      },
      '/v1/recordings/{id}/mp4': {
        post: {
          operationId: 'exportRecordingMp4',
          summary: 'Request an MP4 download of a ready recording (top rendition, remuxed)',
          tags: ['recordings'],
          parameters: [recordingId],
          responses: {
            '200': { description: 'Already exported: `mp4.url` is set.', content: json(ref('Recording')) },
            '202': { description: 'Export queued or running; poll the recording.', content: json(ref('Recording')) },
            '409': problem('Conflict'),
            ...readErrors,
          },
        },
      },
    },
    schemas: { Recording: jsonSchema(recordingView), RecordingList: jsonSchema(recordingList) },
  };
}
