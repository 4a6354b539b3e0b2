/**
 * How many live streams one ingest task admits: the planned CPU cost of a stream's ladder against the
 * task's vCPU, with headroom. The cost model is calibrated on `npm run bench:transcode` (docs/deploy-aws.md):
 * the default ladder (1080 passed through, 720/480/360 encoded, hard source, 30 fps) costs 0.66 CPU-seconds
 * per media second, i.e. 0.66 vCPU while live. Cost scales with the pixels encoded per frame plus a quarter
 * weight for decoding the source (decode is much cheaper than x264 encode), and with the frame rate.
 * A task admits `floor(vCPU × utilization / cost)` streams (at least one), and refuses beyond it so the
 * encoder's retry lands on another task; autoscaling tracks the fleet's used share of these budgets.
 *
 * Must never: do I/O or read configuration itself (callers pass the numbers).
 */

/** 16:9 widths of the ladder's heights. */
function widthOf(height: number): number {
  return Math.round((height * 16) / 9 / 2) * 2;
}

/** vCPU per pixel of the weighted per-frame workload at 30 fps, from the bench's default-ladder figure. */
const DEFAULT_LADDER = [1080, 720, 480, 360];
const BENCH_VCPU = 0.66;
const DECODE_WEIGHT = 0.25;

function workload(rungs: ReadonlyArray<number>, passthroughTop: boolean): number {
  const [top = 0] = rungs;
  const encoded = (passthroughTop ? rungs.slice(1) : rungs).reduce((sum, h) => sum + widthOf(h) * h, 0);
  return encoded + DECODE_WEIGHT * widthOf(top) * top;
}

const VCPU_PER_WORKLOAD = BENCH_VCPU / workload(DEFAULT_LADDER, true);

export interface LadderCostInput {
  /** Rendition heights, highest first. */
  rungs: ReadonlyArray<number>;
  /** The source's top rung is copied, not encoded (an H.264 source with 2 s keyframes). @default true */
  passthroughTop?: boolean;
  /** @default 30 */
  fps?: number;
}

/** Planned vCPU of one live stream with this ladder. */
export function ladderVcpu(input: LadderCostInput): number {
  return VCPU_PER_WORKLOAD * workload(input.rungs, input.passthroughTop ?? true) * ((input.fps ?? 30) / 30);
}

export interface StreamBudgetInput {
  /** vCPU of one task (Fargate CPU units / 1024). */
  taskVcpu: number;
  /** vCPU of one stream (ladderVcpu). */
  streamVcpu: number;
  /** Share of the task's CPU streams may plan to use (the rest: ingest, packager, uploads, spikes). @default 0.8 */
  utilization?: number;
}

/** Streams one task admits: at least one (a task that cannot take one stream would refuse everything). */
export function streamBudget(input: StreamBudgetInput): number {
  if (!(input.taskVcpu > 0) || !(input.streamVcpu > 0)) throw new RangeError(`streamBudget: expected positive vCPU figures, got task ${input.taskVcpu}, stream ${input.streamVcpu}.`);
  return Math.max(1, Math.floor((input.taskVcpu * (input.utilization ?? 0.8)) / input.streamVcpu));
}

/** The share of a task's budget in use, in percent (what the capacity metric reports). */
export function usedCapacityPercent(streams: number, budget: number): number {
  return budget > 0 ? Math.round((streams / budget) * 1000) / 10 : 100;
}
