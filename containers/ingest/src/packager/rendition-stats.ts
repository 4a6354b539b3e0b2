/**
 * The per-rendition counters of a packager (its stats snapshot) and the metrics that mirror them.
 * Must never count a gap as an uploaded segment.
 */
import type { Metrics } from '../../../../core/ports/metrics';
import type { RenditionStats } from './types';

export function emptyRenditionStats(): RenditionStats {
  return { segmentsUploaded: 0, gapsPublished: 0, pending: 0, uploadRetries: 0, maxUploadMs: 0, totalUploadMs: 0 };
}

/** Gap positions published: `filled` borrowed from other renditions, plus one when the scratch file was lost. */
export function countGaps(stats: RenditionStats, metrics: Metrics, rendition: string, filled: number, scratchLost: boolean): void {
  stats.gapsPublished += filled + (scratchLost ? 1 : 0);
  if (filled > 0) metrics.count('packager_gaps', filled, { rendition });
  if (scratchLost) metrics.count('packager_gaps', 1, { rendition });
}

export function countUploaded(stats: RenditionStats, metrics: Metrics, rendition: string, uploadMs: number, publishLatencyMs: number): void {
  stats.segmentsUploaded++;
  stats.lastUploadMs = uploadMs;
  stats.maxUploadMs = Math.max(stats.maxUploadMs, uploadMs);
  stats.totalUploadMs += uploadMs;
  stats.lastPublishLatencyMs = publishLatencyMs;
  metrics.count('packager_segments_uploaded', 1, { rendition });
  metrics.timing('packager_segment_upload_ms', uploadMs, { rendition });
  metrics.timing('packager_publish_latency_ms', publishLatencyMs, { rendition });
}
