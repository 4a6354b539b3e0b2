/**
 * `recordings/<rec>/manifest.json`: the summary of a finalized recording (renditions, sizes, gaps).
 *
 * Must never depend on anything but the plan and the rendition plan: the same inputs give the same bytes.
 */
import type { RenditionInfo } from './renditions-file';
import type { VodGap, VodPlan } from './vod-plan';


export interface RecordingManifest {
  recordingId: string;
  streamId: string;
  sessionId: string;
  durationSeconds: number;
  renditions: Array<{ name: string; segments: number; gapSegments: number; bytes: number; durationSeconds: number; bandwidth?: number; codecs?: string; width?: number; height?: number }>;
  bytes: number;
  segmentCount: number;
  firstSequence: number;
  lastSequence: number;
  gaps: VodGap[];
}

/** Pure: the same plan gives byte-identical JSON, so a repeated finalization rewrites nothing new. */
export function buildManifest(ids: { recordingId: string; streamId: string; sessionId: string }, plan: VodPlan, infos: ReadonlyArray<RenditionInfo> | undefined): RecordingManifest {
  const infoByName = new Map((infos ?? []).map((i) => [i.name, i]));
  return {
    recordingId: ids.recordingId,
    streamId: ids.streamId,
    sessionId: ids.sessionId,
    durationSeconds: round3(plan.durationSeconds),
    renditions: plan.renditions.map((r) => {
      const info = infoByName.get(r.name);
      return {
        name: r.name,
        segments: r.segments,
        gapSegments: r.gapSegments,
        bytes: r.bytes,
        durationSeconds: round3(r.durationSeconds),
        ...(info ? { bandwidth: info.bandwidth, codecs: info.codecs } : {}),
        ...(info?.width !== undefined ? { width: info.width } : {}),
        ...(info?.height !== undefined ? { height: info.height } : {}),
      };
    }),
    bytes: plan.bytes,
    segmentCount: plan.segmentCount,
    firstSequence: plan.firstSequence ?? 0,
    lastSequence: plan.lastSequence ?? 0,
    gaps: plan.gaps.map((g) => ({ ...g, atSeconds: round3(g.atSeconds) })),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
