/**
 * Metrics as CloudWatch Embedded Metric Format lines on stdout (the awslogs driver ships them; CloudWatch
 * extracts the metrics). Aggregated in memory and flushed on an interval, so a hot path (a segment
 * upload) costs a map update, not a log line.
 */
import type { Metrics } from '../core/ports/metrics';

type Labels = Record<string, string>;
interface Series {
  name: string;
  unit: 'Count' | 'Milliseconds' | 'None';
  labels: Labels;
  values: number[];
  aggregate: 'sum' | 'last' | 'all';
}

export interface EmfMetricsOptions {
  namespace: string;
  /** Dimensions on every metric (e.g. service=ingest). */
  dimensions: Labels;
  write?: (line: string) => void;
}

export class EmfMetrics implements Metrics {
  private readonly series = new Map<string, Series>();
  private readonly write: (line: string) => void;

  constructor(private readonly options: EmfMetricsOptions) {
    this.write = options.write ?? ((line) => process.stdout.write(line + '\n'));
  }

  count(name: string, value = 1, labels: Labels = {}): void {
    const s = this.get(name, 'Count', labels, 'sum');
    s.values[0] = (s.values[0] ?? 0) + value;
  }

  gauge(name: string, value: number, labels: Labels = {}): void {
    this.get(name, 'None', labels, 'last').values[0] = value;
  }

  timing(name: string, ms: number, labels: Labels = {}): void {
    const s = this.get(name, 'Milliseconds', labels, 'all');
    if (s.values.length < 100) s.values.push(ms);
  }

  /** Writes one EMF document per label set and clears counters and timings (gauges keep their value). */
  flush(now = Date.now()): void {
    const groups = new Map<string, Series[]>();
    for (const s of this.series.values()) {
      if (s.values.length === 0) continue;
      const key = JSON.stringify(s.labels);
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    for (const [key, members] of groups) {
      const labels = JSON.parse(key) as Labels;
      const dims = { ...this.options.dimensions, ...labels };
      const doc: Record<string, unknown> = {
        _aws: {
          Timestamp: now,
          CloudWatchMetrics: [{ Namespace: this.options.namespace, Dimensions: [Object.keys(dims)], Metrics: members.map((m) => ({ Name: m.name, Unit: m.unit })) }],
        },
        ...dims,
      };
      for (const m of members) doc[m.name] = m.aggregate === 'all' ? [...m.values] : m.values[0];
      this.write(JSON.stringify(doc));
    }
    for (const s of this.series.values()) if (s.aggregate !== 'last') s.values = [];
  }

  private get(name: string, unit: Series['unit'], labels: Labels, aggregate: Series['aggregate']): Series {
    const key = `${name}|${JSON.stringify(Object.entries(labels).sort())}`;
    let s = this.series.get(key);
    if (!s) {
      s = { name, unit, labels: Object.fromEntries(Object.entries(labels).sort()), values: [], aggregate };
      this.series.set(key, s);
    }
    return s;
  }
}
