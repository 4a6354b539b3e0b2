/**
 * Ingest cells: a cloud plane past one NLB runs N ingest fleets ("cells", each an NLB and its ingest
 * service) behind one control plane. This module names the cells (`cell-1` … `cell-N`), says which cell a
 * stream belongs to (the one stored on it; a stream created before cells existed belongs to `cell-1`,
 * the fleet that was there), and derives a cell's encoder URLs from the plane's first-cell URLs by
 * swapping the host, so the control API's configuration holds one host per cell and nothing else.
 *
 * Must never: do I/O, or move a stream: a stream's cell is decided once, at creation (assign-cell.ts).
 */
import type { PublicUrls } from '../streams/stream';

/**
 * The most cells one plane deploys. Cell 1 lives in the plane's stack; every further cell is a nested
 * stack of its own (lib/constructs/ingest-cell-stack.ts: about 30 resources each, its subnets included),
 * so the plane's stack grows by one nested-stack resource and one alarm per cell and stays far under
 * CloudFormation's 500 resources per stack. 20 cells at 50 tasks each are 1,000 tasks: 10,000 streams at
 * the capacity model's 10 per task (docs/scale.md#cells) with headroom.
 */
export const MAX_INGEST_CELLS = 20;

/** The first cell: the ingest fleet a plane had before it had cells. */
export const DEFAULT_CELL_ID = 'cell-1';

const CELL_ID = /^cell-([1-9]\d?)$/;

/** `cell-<n>` for n = 1 … MAX_INGEST_CELLS. */
export function cellId(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_INGEST_CELLS) throw new RangeError(`a cell number is a whole number from 1 to ${MAX_INGEST_CELLS}, got ${n}`);
  return `cell-${n}`;
}

export function isCellId(value: string): boolean {
  return CELL_ID.test(value);
}

/** The ids of a plane with `count` cells, in order. */
export function cellIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => cellId(i + 1));
}

/** The cell a stream publishes to: the one stored on it, or the first cell for streams older than cells. */
export function cellOfStream(stream: { ingestCell?: string }): string {
  return stream.ingestCell ?? DEFAULT_CELL_ID;
}

/** One cell's endpoint: the host encoders connect to (its NLB's DNS name, or the DNS name pointed at it). */
export interface CellEndpoint {
  id: string;
  host: string;
}

const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

export class CellConfigError extends Error {
  override readonly name = 'CellConfigError';
  readonly code = 'invalid_cell_config';
}

/**
 * The cell endpoint map as configured: a JSON list of hosts, cell 1 first (`["nlb-1.elb…", "nlb-2.elb…"]`).
 * Refuses anything else with a message saying what was wrong.
 */
export function parseCellHosts(text: string): CellEndpoint[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CellConfigError('expected a JSON list of hosts, cell 1 first');
  }
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_INGEST_CELLS) {
    throw new CellConfigError(`expected a JSON list of 1 to ${MAX_INGEST_CELLS} hosts, cell 1 first`);
  }
  return value.map((host, i) => {
    if (typeof host !== 'string' || !HOST.test(host)) throw new CellConfigError(`host ${i + 1} must be a DNS name or address, got ${JSON.stringify(host)}`);
    return { id: cellId(i + 1), host };
  });
}

const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/:?#]+)(.*)$/i;

/** `scheme://HOST[:port]/path` with HOST replaced. */
function withHost(url: string, host: string): string {
  const m = AUTHORITY.exec(url);
  if (!m) throw new CellConfigError(`cannot find the host in ${url}`);
  return `${m[1]}${host}${m[3]}`;
}

/** A cell's encoder URLs: the plane's URLs (cell 1's) with the cell's host; playback stays the plane's. */
export function cellUrls(urls: PublicUrls, endpoint: CellEndpoint): PublicUrls {
  return {
    rtmpServer: withHost(urls.rtmpServer, endpoint.host),
    ...(urls.rtmpsServer ? { rtmpsServer: withHost(urls.rtmpsServer, endpoint.host) } : {}),
    ...(urls.srtServer ? { srtServer: withHost(urls.srtServer, endpoint.host) } : {}),
    ...(urls.httpIngestBase ? { httpIngestBase: withHost(urls.httpIngestBase, endpoint.host) } : {}),
    playbackBase: urls.playbackBase,
  };
}

/**
 * The URLs a stream's view names: its cell's. A stream whose cell is not (or no longer) configured keeps
 * the plane's URLs rather than failing the request; that only happens when a deploy shrank the cells.
 */
export function urlsForStream(urls: PublicUrls, endpoints: ReadonlyArray<CellEndpoint> | undefined, stream: { ingestCell?: string }): PublicUrls {
  if (!endpoints || endpoints.length === 0) return urls;
  const endpoint = endpoints.find((e) => e.id === cellOfStream(stream));
  return endpoint ? cellUrls(urls, endpoint) : urls;
}
