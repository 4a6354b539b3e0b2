/**
 * The recordings API's route table: what each route accepts (zod, from schema.ts), what it answers, and
 * the core use case it calls. The router serves this table and openapi.ts documents it.
 */
import { NotFoundError, StreamplaneError } from '../../core/errors';
import type { Clock } from '../../core/ports/clock';
import type { ObjectStore } from '../../core/ports/object-store';
import type { Mp4ExportQueue, RecordingStore } from '../../core/ports/recording-store';
import type { StreamStore } from '../../core/ports/stream-store';
import type { Recording } from '../../core/recordings/recording';
import { toRecordingView } from '../../core/recordings/view';
import { deleteRecording } from '../../core/recordings/delete';
import { requestMp4Export } from '../../core/recordings/mp4-requests';
import { getRecording, listRecordings, setRecordingPlaybackPolicy } from '../../core/recordings/queries';
import { component, defineRoute, type ApiRoute, type ResponseDoc } from '../shared/api-route';
import { emptyResponse, jsonResponse } from '../shared/json-response';
import { DEFAULT_RECORDING_PAGE_LIMIT, emptyBody, listRecordingsQuery, recordingList, recordingView, updateRecordingBody } from './schema';

export interface RecordingsRouteDeps {
  recordings: RecordingStore;
  streams: Pick<StreamStore, 'get'>;
  objectStore: ObjectStore;
  clock: Clock;
  /** Base URL of the CDN / origin, without a trailing slash. */
  playbackBase: string;
  /** Absent where MP4 export is not deployed: requests are refused with 409. */
  mp4Exports?: Mp4ExportQueue;
}

/** The paths this API serves (the local plane routes them here, everything else to the stream registry). */
export function isRecordingsApiPath(path: string): boolean {
  return path === '/v1/recordings' || path.startsWith('/v1/recordings/') || /^\/v1\/streams\/[^/]+\/recordings$/.test(path);
}

const Recording = component('Recording', recordingView);
const RecordingList = component('RecordingList', recordingList);
const readErrors: Record<string, ResponseDoc> = { '400': 'BadRequest', '401': 'Unauthorized', '404': 'NotFound', '500': 'InternalError' };
const tags = ['recordings'];

const view = (deps: RecordingsRouteDeps, recording: Recording) => toRecordingView(recording, deps.playbackBase);

export const recordingsRoutes: ReadonlyArray<ApiRoute<RecordingsRouteDeps>> = [
  defineRoute({
    method: 'GET',
    path: '/v1/streams/{id}/recordings',
    operationId: 'listStreamRecordings',
    summary: "A stream's recordings, newest first",
    tags,
    params: { id: 'stream' },
    query: listRecordingsQuery,
    responses: { '200': { description: `A page of recordings (default ${DEFAULT_RECORDING_PAGE_LIMIT}).`, body: RecordingList }, ...readErrors },
    handle: async ({ params, query }, deps: RecordingsRouteDeps) => {
      const page = await listRecordings(deps, params.id, { limit: query.limit ?? DEFAULT_RECORDING_PAGE_LIMIT, ...(query.cursor ? { cursor: query.cursor } : {}) });
      // A deleted stream's recordings stay listable; an id that never had anything is a 404.
      if (page.items.length === 0 && query.cursor === undefined && !(await deps.streams.get(params.id))) throw new NotFoundError('stream', params.id);
      return jsonResponse(200, { items: page.items.map((r) => view(deps, r)), ...(page.next ? { next: page.next } : {}) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/recordings/{id}',
    operationId: 'getRecording',
    summary: 'Get a recording',
    tags,
    params: { id: 'recording' },
    responses: { '200': { description: 'The recording.', body: Recording }, ...readErrors },
    handle: async ({ params }, deps: RecordingsRouteDeps) => jsonResponse(200, view(deps, await getRecording(deps, params.id))),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/v1/recordings/{id}',
    operationId: 'updateRecording',
    summary: "Change a recording's playback policy",
    description: 'A recording inherits `playbackPolicy` from its stream when recording starts; this changes it (effective at the next request).',
    tags,
    params: { id: 'recording' },
    body: updateRecordingBody,
    bodyComponent: 'UpdateRecordingInput',
    responses: { '200': { description: 'The updated recording.', body: Recording }, '409': 'Conflict', '413': 'PayloadTooLarge', '415': 'UnsupportedMediaType', ...readErrors },
    handle: async ({ params, body }, deps: RecordingsRouteDeps) => jsonResponse(200, view(deps, await setRecordingPlaybackPolicy(deps, params.id, body.playbackPolicy))),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/recordings/{id}',
    operationId: 'deleteRecording',
    summary: 'Delete a recording and all its media',
    tags,
    params: { id: 'recording' },
    responses: { '204': { description: 'Deleted.' }, '409': 'Conflict', ...readErrors },
    handle: async ({ params }, deps: RecordingsRouteDeps) => {
      await deleteRecording(deps, params.id);
      return emptyResponse(204);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/recordings/{id}/mp4',
    operationId: 'exportRecordingMp4',
    summary: 'Request an MP4 download of a ready recording (top rendition, remuxed)',
    tags,
    params: { id: 'recording' },
    body: emptyBody,
    responses: {
      '200': { description: 'Already exported: `mp4.url` is set.', body: Recording },
      '202': { description: 'Export queued or running; poll the recording.', body: Recording, headers: { Location: 'Path of the recording.' } },
      '409': 'Conflict',
      ...readErrors,
    },
    handle: async ({ params }, deps: RecordingsRouteDeps) => {
      if (!deps.mp4Exports) throw new StreamplaneError('conflict', 'MP4 export is not enabled in this deployment.');
      const { recording, enqueue } = await requestMp4Export(deps, params.id);
      if (enqueue) await deps.mp4Exports.request(params.id);
      // Done already: 200 with the URL; otherwise accepted, poll GET /v1/recordings/{id}.
      return jsonResponse(recording.mp4?.status === 'ready' ? 200 : 202, view(deps, recording), { location: `/v1/recordings/${params.id}` });
    },
  }),
];
