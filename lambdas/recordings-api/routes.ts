/**
 * The recordings API's routes: each parses its input, calls one core use case, and maps the result.
 * Path ids are checked here, before any store call.
 */
import { InvalidIdError, NotFoundError } from '../../core/errors';
import { isId } from '../../core/ids';
import type { Clock } from '../../core/ports/clock';
import type { ObjectStore } from '../../core/ports/object-store';
import type { Mp4ExportQueue, RecordingStore } from '../../core/ports/recording-store';
import type { StreamStore } from '../../core/ports/stream-store';
import type { Recording } from '../../core/recordings/recording';
import { toRecordingView } from '../../core/recordings/view';
import { deleteRecording } from '../../core/recordings/delete';
import { requestMp4Export } from '../../core/recordings/mp4-requests';
import { getRecording, listRecordings } from '../../core/recordings/queries';
import { StreamplaneError } from '../../core/errors';
import { emptyResponse, jsonResponse } from '../shared/json-response';
import type { Route, RouteRequest } from '../shared/router';
import { parseInput } from '../shared/validate';
import { DEFAULT_RECORDING_PAGE_LIMIT, emptyBody, listRecordingsQuery } from './schema';

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

export function recordingsRoutes(deps: RecordingsRouteDeps): Route[] {
  const view = (recording: Recording) => toRecordingView(recording, deps.playbackBase);
  return [
    {
      method: 'GET',
      path: '/v1/streams/{id}/recordings',
      handle: async (req) => {
        const streamId = req.params.id;
        if (!isId('stream', streamId)) throw new InvalidIdError('stream');
        const query = parseInput(listRecordingsQuery, req.query, 'query');
        const page = await listRecordings(deps, streamId, { limit: query.limit ?? DEFAULT_RECORDING_PAGE_LIMIT, ...(query.cursor ? { cursor: query.cursor } : {}) });
        // A deleted stream's recordings stay listable; an id that never had anything is a 404.
        if (page.items.length === 0 && query.cursor === undefined && !(await deps.streams.get(streamId))) throw new NotFoundError('stream', streamId);
        return jsonResponse(200, { items: page.items.map(view), ...(page.next ? { next: page.next } : {}) });
      },
    },
    {
      method: 'GET',
      path: '/v1/recordings/{id}',
      handle: async (req) => jsonResponse(200, view(await getRecording(deps, recordingId(req)))),
    },
    {
      method: 'DELETE',
      path: '/v1/recordings/{id}',
      handle: async (req) => {
        await deleteRecording(deps, recordingId(req));
        return emptyResponse(204);
      },
    },
    {
      method: 'POST',
      path: '/v1/recordings/{id}/mp4',
      handle: async (req) => {
        const id = recordingId(req);
        parseInput(emptyBody, req.body, 'body');
        if (!deps.mp4Exports) throw new StreamplaneError('conflict', 'MP4 export is not enabled in this deployment.');
        const { recording, enqueue } = await requestMp4Export(deps, id);
        if (enqueue) await deps.mp4Exports.request(id);
        // Done already: 200 with the URL; otherwise accepted, poll GET /v1/recordings/{id}.
        return jsonResponse(recording.mp4?.status === 'ready' ? 200 : 202, view(recording), { location: `/v1/recordings/${id}` });
      },
    },
  ];
}

function recordingId(req: RouteRequest): string {
  const id = req.params.id;
  if (!isId('recording', id)) throw new InvalidIdError('recording');
  return id;
}
