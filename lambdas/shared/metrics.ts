/**
 * The core Metrics port on Powertools Metrics: CloudWatch EMF lines on stdout, flushed once per
 * invocation by `withMetricsFlush` (Powertools' `logMetrics` middleware). Namespace and service come
 * from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME, which the CDK construct sets.
 * Must never: put ids or anything unbounded into a dimension (labels are small enums such as `outcome`).
 */
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddyfiedHandler } from '@middy/core';
import type { Metrics } from '../../core/ports/metrics';

export class EmfMetrics implements Metrics {
  readonly powertools: PowertoolsMetrics;

  constructor(serviceName: string, powertools?: PowertoolsMetrics) {
    this.powertools = powertools ?? new PowertoolsMetrics({ serviceName });
  }

  count(name: string, value = 1, labels?: Record<string, string>): void {
    this.add(name, MetricUnit.Count, value, labels);
  }

  gauge(name: string, value: number, labels?: Record<string, string>): void {
    this.add(name, MetricUnit.NoUnit, value, labels);
  }

  timing(name: string, ms: number, labels?: Record<string, string>): void {
    this.add(name, MetricUnit.Milliseconds, ms, labels);
  }

  private add(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, labels: Record<string, string> | undefined): void {
    if (!labels || Object.keys(labels).length === 0) {
      this.powertools.addMetric(name, unit, value);
      return;
    }
    // Labels are per-metric dimensions; Powertools' buffered metrics share one dimension set per flush,
    // so a labelled datapoint goes out as its own EMF line.
    const single = this.powertools.singleMetric();
    for (const [key, label] of Object.entries(labels)) single.addDimension(key, label);
    single.addMetric(name, unit, value);
  }
}

/** Adds Powertools' flush (`logMetrics`) to a built handler, so every invocation publishes its metrics. */
export function withMetricsFlush<E, R>(handler: MiddyfiedHandler<E, R>, metrics: EmfMetrics | PowertoolsMetrics): MiddyfiedHandler<E, R> {
  return handler.use(logMetrics(metrics instanceof EmfMetrics ? metrics.powertools : metrics));
}
