/**
 * This ingest node's own report (`GET /v1/nodes`) and self-check (the container's HTTP health check):
 * streams carried, machine CPU and memory, network in/out, the worst transcoder speed, and whether the
 * event loop and every pipeline are alive. A pipeline counts as dead when its publisher sends but it has
 * published no segment for a minute (the session's own watchdog restarts it long before that; a minute
 * means restarting does not help and ECS should replace the task).
 *
 * Must never: block the event loop it measures, or throw out of its timer.
 */
import { readFile } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { NodeStore } from '../../../../core/ports/monitoring-stores';
import type { NodeReport } from '../../../../core/nodes/nodes';

export interface CarriedPipeline {
  streamId: string;
  transcoderSpeed: number | undefined;
  /** Milliseconds since the last segment while the publisher sends; undefined when that does not apply. */
  outputStalledMs: number | undefined;
}

export interface NodeReporterOptions {
  nodeId: string;
  store?: NodeStore;
  pipelines: () => CarriedPipeline[];
  logger: Logger;
  metrics: Metrics;
  /** Default 5000. */
  intervalMs?: number;
  /** Event-loop delay (p99 over the interval) above this fails the self-check. Default 2000. */
  maxEventLoopLagMs?: number;
  /** A pipeline without output for this long while fed fails the self-check. Default 60000. */
  deadPipelineMs?: number;
}

/**
 * How often the event-loop delay is sampled: each sample is a timer that wakes the loop, and on a virtual
 * machine a wake-up costs ~0.2 ms of CPU even with nothing to do. At 20 ms that was 50 wake-ups a second,
 * the whole of an idle plane's CPU (0.1 CPU-s per 10 s, bench:transcode's idle figure) and a fifth of a
 * live stream's; 500 ms still sees any stall long enough to matter to a 2 s lag limit.
 */
const EVENT_LOOP_SAMPLE_MS = 500;

export class NodeReporter {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  private lastCpu = cpuTimes();
  private lastNet: { at: number; rx: number; tx: number } | undefined;
  private lastReport: NodeReport | undefined;
  private lagMs = 0;

  constructor(private readonly options: NodeReporterOptions) {}

  start(): void {
    this.loop.enable();
    const tick = () => void this.report().catch((err: unknown) => this.options.logger.warn('node: report failed', { error: err instanceof Error ? err.message : String(err) }));
    this.timer = setInterval(tick, this.options.intervalMs ?? 5_000);
    this.timer.unref();
    tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.loop.disable();
  }

  /** The self-check as of now (the HTTP health check answers from it). */
  selfCheck(): NodeReport['selfCheck'] {
    const problems: string[] = [];
    const lag = Math.max(this.lagMs, this.loopLagMs());
    if (lag > (this.options.maxEventLoopLagMs ?? 2_000)) problems.push('event_loop_lag');
    for (const p of this.options.pipelines()) {
      if (p.outputStalledMs !== undefined && p.outputStalledMs > (this.options.deadPipelineMs ?? 60_000)) problems.push(`pipeline_stalled:${p.streamId}`);
    }
    return { ok: problems.length === 0, eventLoopLagMs: Math.round(lag), problems };
  }

  /** p99 of how late the sampling timer fired since the last reset (the histogram holds whole intervals). */
  private loopLagMs(): number {
    return this.loop.count > 0 ? Math.max(0, this.loop.percentile(99) / 1e6 - EVENT_LOOP_SAMPLE_MS) : 0;
  }

  get latest(): NodeReport | undefined {
    return this.lastReport;
  }

  async report(): Promise<NodeReport> {
    const pipelines = this.options.pipelines();
    const cpu = cpuTimes();
    const busy = cpu.busy - this.lastCpu.busy;
    const total = cpu.total - this.lastCpu.total;
    this.lastCpu = cpu;
    const net = await networkTotals();
    const now = Date.now();
    let rxRate = 0;
    let txRate = 0;
    if (net && this.lastNet && now > this.lastNet.at) {
      rxRate = Math.max(0, ((net.rx - this.lastNet.rx) * 1000) / (now - this.lastNet.at));
      txRate = Math.max(0, ((net.tx - this.lastNet.tx) * 1000) / (now - this.lastNet.at));
    }
    if (net) this.lastNet = { at: now, ...net };
    this.lagMs = this.loopLagMs();
    const selfCheck = this.selfCheck();
    this.loop.reset();
    const speeds = pipelines.map((p) => p.transcoderSpeed).filter((s): s is number => s !== undefined);
    const report: NodeReport = {
      id: this.options.nodeId,
      streamIds: pipelines.map((p) => p.streamId).sort(),
      cpuPercent: total > 0 ? Math.round((busy / total) * 1000) / 10 : 0,
      memoryBytes: totalmem() - freemem(),
      memoryTotalBytes: totalmem(),
      networkInBytesPerSecond: Math.round(rxRate),
      networkOutBytesPerSecond: Math.round(txRate),
      worstTranscoderSpeed: speeds.length > 0 ? Math.min(...speeds) : null,
      selfCheck,
      startedAt: this.startedAt,
      lastSeenAt: new Date(now).toISOString(),
    };
    this.lastReport = report;
    const { metrics } = this.options;
    metrics.gauge('node_cpu_percent', report.cpuPercent);
    metrics.gauge('node_unhealthy', selfCheck.ok ? 0 : 1);
    metrics.gauge('node_event_loop_lag_ms', selfCheck.eventLoopLagMs);
    metrics.gauge('streams_behind_realtime_now', speeds.filter((s) => s < 1).length);
    await this.options.store?.put(report);
    return report;
  }
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const sum = t.user + t.nice + t.sys + t.idle + t.irq;
    total += sum;
    busy += sum - t.idle;
  }
  return { busy, total };
}

/** Bytes received and sent on every interface but loopback (Linux); undefined elsewhere. */
async function networkTotals(): Promise<{ rx: number; tx: number } | undefined> {
  const text = await readFile('/proc/net/dev', 'utf8').catch(() => undefined);
  if (!text) return undefined;
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name!.trim() === 'lo') continue;
    const fields = rest.trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}
