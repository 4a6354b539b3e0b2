/**
 * Ingest nodes as operators see them: every node (the local plane's one; each Fargate task) reports what
 * it carries and how it is doing; its status is judged when read, so a node that stopped reporting turns
 * unhealthy without anyone writing it down.
 */

export const NODE_STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export interface NodeReport {
  id: string;
  streamIds: string[];
  cpuPercent: number;
  memoryBytes: number;
  memoryTotalBytes: number;
  networkInBytesPerSecond: number;
  networkOutBytesPerSecond: number;
  /** The slowest transcoder's speed (1.0 keeps up); null without transcoders. */
  worstTranscoderSpeed: number | null;
  /** The node's own check of its event loop and pipelines. */
  selfCheck: { ok: boolean; eventLoopLagMs: number; problems: string[] };
  startedAt: string;
  lastSeenAt: string;
}

export interface NodeView extends Omit<NodeReport, 'selfCheck'> {
  status: NodeStatus;
  reasons: string[];
  streams: number;
  eventLoopLagMs: number;
}

export interface NodeStatusThresholds {
  /** Not heard from for this long: unhealthy. Default 30 000. */
  staleAfterMs: number;
  /** CPU above this: degraded. Default 90. */
  degradedCpuPercent: number;
}

export const DEFAULT_NODE_THRESHOLDS: NodeStatusThresholds = { staleAfterMs: 30_000, degradedCpuPercent: 90 };

export function nodeStatus(report: NodeReport, now: Date, t: NodeStatusThresholds = DEFAULT_NODE_THRESHOLDS): { status: NodeStatus; reasons: string[] } {
  const ageMs = now.getTime() - Date.parse(report.lastSeenAt);
  if (ageMs > t.staleAfterMs) return { status: 'unhealthy', reasons: ['not_reporting'] };
  if (!report.selfCheck.ok) return { status: 'unhealthy', reasons: ['self_check_failed', ...report.selfCheck.problems] };
  const reasons: string[] = [];
  if (report.cpuPercent > t.degradedCpuPercent) reasons.push('cpu_high');
  if (report.worstTranscoderSpeed !== null && report.worstTranscoderSpeed < 1) reasons.push('transcoder_behind_realtime');
  return { status: reasons.length > 0 ? 'degraded' : 'healthy', reasons };
}

export function toNodeView(report: NodeReport, now: Date): NodeView {
  const { selfCheck, ...rest } = report;
  return { ...rest, ...nodeStatus(report, now), streams: report.streamIds.length, eventLoopLagMs: selfCheck.eventLoopLagMs };
}

/** Nodes for `GET /v1/nodes`: unhealthy first, then by id. Nodes silent for over a day are gone from the store. */
export function listNodeViews(reports: NodeReport[], now: Date): NodeView[] {
  const rank: Record<NodeStatus, number> = { unhealthy: 0, degraded: 1, healthy: 2 };
  return reports.map((r) => toNodeView(r, now)).sort((a, b) => rank[a.status] - rank[b.status] || a.id.localeCompare(b.id));
}
