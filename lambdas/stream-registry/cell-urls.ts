/**
 * Ingest cells as the control API sees them: each cell's endpoint (from the API's configuration) and the
 * per-cell stream counts, and the one helper every stream view goes through so its URLs name the stream's
 * own cell. Without cells the views name the plane's one ingest endpoint, as before.
 */
import type { CellPlacement } from '../../core/cells/assign-cell';
import { urlsForStream, type CellEndpoint } from '../../core/cells/ingest-cells';
import type { PublicUrls, Stream } from '../../core/streams/stream';

export type IngestCellsDeps = CellPlacement & { cells: ReadonlyArray<CellEndpoint> };

/** The URLs a stream's view names: its ingest cell's endpoint (the plane's URLs without cells). */
export function urlsOf(deps: { urls: PublicUrls; cells?: IngestCellsDeps }, stream: Pick<Stream, 'ingestCell'>): PublicUrls {
  return urlsForStream(deps.urls, deps.cells?.cells, stream);
}
