/**
 * The media library API's route table: create an item (and its upload URL), list, get, delete. The
 * router serves this table and openapi.ts documents it. Bytes never pass through here: the client PUTs
 * them to `upload.url` (the plane's upload route locally, S3 in the cloud).
 */
import { createMediaItem, deleteMediaItem, listMediaItems, requireMediaItem } from '../../core/media-library/library';
import { toMediaView } from '../../core/media-library/media-item';
import type { Clock } from '../../core/ports/clock';
import type { MediaStore, MediaUploadTarget } from '../../core/ports/media-store';
import type { ObjectStore } from '../../core/ports/object-store';
import type { StreamStore } from '../../core/ports/stream-store';
import { component, defineRoute, type ApiRoute, type ResponseDoc } from '../shared/api-route';
import { emptyResponse, jsonResponse } from '../shared/json-response';
import { createMediaBody, DEFAULT_MEDIA_PAGE_LIMIT, listMediaQuery, mediaList, mediaView, mediaWithUpload } from './schema';

export interface MediaRouteDeps {
  media: MediaStore;
  uploads: MediaUploadTarget;
  /** Deletes the bytes of a deleted item. */
  objectStore: Pick<ObjectStore, 'delete'>;
  /** Streams whose fallback or slate use an item keep it from being deleted. */
  streams: Pick<StreamStore, 'list'>;
  clock: Clock;
}

/** The paths this API serves (the local plane routes them here, everything else to the stream registry). */
export function isMediaApiPath(path: string): boolean {
  return path === '/v1/media' || path.startsWith('/v1/media/');
}

const Media = component('Media', mediaView);
const MediaWithUpload = component('MediaWithUpload', mediaWithUpload);
const MediaList = component('MediaList', mediaList);
const readErrors: Record<string, ResponseDoc> = { '400': 'BadRequest', '401': 'Unauthorized', '404': 'NotFound', '500': 'InternalError' };
const tags = ['media'];

export const mediaRoutes: ReadonlyArray<ApiRoute<MediaRouteDeps>> = [
  defineRoute({
    method: 'POST',
    path: '/v1/media',
    operationId: 'createMedia',
    summary: 'Create a library item and get the URL to PUT its file to',
    description:
      'The item is `uploading` until the file is PUT to `upload.url` (the raw bytes as the body; at most STREAMPLANE_MEDIA_MAX_BYTES, 2 GiB by default) and probed; ' +
      'it then becomes `ready` (`media.ready`) or `failed` with an `error` (`media.failed`), and a failed file\'s bytes are deleted.',
    tags,
    body: createMediaBody,
    bodyComponent: 'CreateMediaInput',
    responses: {
      '201': { description: 'Created, with its upload URL.', body: MediaWithUpload, headers: { Location: 'Path of the new item.' } },
      '409': 'Conflict',
      '413': 'PayloadTooLarge',
      '415': 'UnsupportedMediaType',
      ...readErrors,
    },
    handle: async ({ body }, deps: MediaRouteDeps) => {
      const { item, upload } = await createMediaItem(deps, body);
      return jsonResponse(201, { ...toMediaView(item), upload }, { location: `/v1/media/${item.id}` });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/media',
    operationId: 'listMedia',
    summary: 'The media library, newest first',
    tags,
    query: listMediaQuery,
    responses: { '200': { description: `A page of items (default ${DEFAULT_MEDIA_PAGE_LIMIT}).`, body: MediaList }, ...readErrors },
    handle: async ({ query }, deps: MediaRouteDeps) => {
      const page = await listMediaItems(deps, { limit: query.limit ?? DEFAULT_MEDIA_PAGE_LIMIT, ...(query.cursor ? { cursor: query.cursor } : {}) });
      return jsonResponse(200, { items: page.items.map(toMediaView), ...(page.next ? { next: page.next } : {}) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/media/{id}',
    operationId: 'getMedia',
    summary: 'Get a library item',
    tags,
    params: { id: 'media' },
    responses: { '200': { description: 'The item.', body: Media }, ...readErrors },
    handle: async ({ params }, deps: MediaRouteDeps) => jsonResponse(200, toMediaView(await requireMediaItem(deps.media, params.id))),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/media/{id}',
    operationId: 'deleteMedia',
    summary: 'Delete a library item and its file',
    tags,
    params: { id: 'media' },
    responses: {
      '204': { description: 'Deleted.' },
      '409': { problem: 'A stream still uses the item in its `fallback.mediaIds` or as `slateMediaId` (`in_use`).' },
      ...readErrors,
    },
    handle: async ({ params }, deps: MediaRouteDeps) => {
      await deleteMediaItem(deps, params.id);
      return emptyResponse(204);
    },
  }),
];
