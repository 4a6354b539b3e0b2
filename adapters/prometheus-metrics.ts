/**
 * In-process metrics registry rendered as Prometheus text (`GET /metrics` on the local plane). Bounded:
 * label sets are whatever the code passes (never user input such as names or addresses).
 */
import type { Metrics } from '../core/ports/metrics';

type Labels = Record<string, string>;

export class PrometheusMetrics implements Metrics {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly gauges = new Map<string, Map<string, number>>();
  private readonly timings = new Map<string, Map<string, { count: number; sum: number }>>();

  count(name: string, value = 1, labels: Labels = {}): void {
    const series = getOrCreate(this.counters, name);
    const key = labelKey(labels);
    series.set(key, (series.get(key) ?? 0) + value);
  }

  gauge(name: string, value: number, labels: Labels = {}): void {
    getOrCreate(this.gauges, name).set(labelKey(labels), value);
  }

  timing(name: string, ms: number, labels: Labels = {}): void {
    const series = getOrCreate(this.timings, name);
    const key = labelKey(labels);
    const current = series.get(key) ?? { count: 0, sum: 0 };
    series.set(key, { count: current.count + 1, sum: current.sum + ms });
  }

  /** Current value of a counter (tests and health output). */
  counter(name: string, labels: Labels = {}): number {
    return this.counters.get(name)?.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, series] of this.counters) {
      lines.push(`# TYPE streamplane_${name}_total counter`);
      for (const [labels, value] of series) lines.push(`streamplane_${name}_total${labels} ${value}`);
    }
    for (const [name, series] of this.gauges) {
      lines.push(`# TYPE streamplane_${name} gauge`);
      for (const [labels, value] of series) lines.push(`streamplane_${name}${labels} ${value}`);
    }
    for (const [name, series] of this.timings) {
      lines.push(`# TYPE streamplane_${name}_ms summary`);
      for (const [labels, { count, sum }] of series) {
        lines.push(`streamplane_${name}_ms_count${labels} ${count}`);
        lines.push(`streamplane_${name}_ms_sum${labels} ${sum}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}

function getOrCreate<V>(map: Map<string, Map<string, V>>, name: string): Map<string, V> {
  let series = map.get(name);
  if (!series) {
    series = new Map();
    map.set(name, series);
  }
  return series;
}

function labelKey(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}`;
}
