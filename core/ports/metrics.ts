/** Operational metrics: EMF in the cloud, a Prometheus text page locally. Names are snake_case. */
export interface Metrics {
  count(name: string, value?: number, labels?: Record<string, string>): void;
  gauge(name: string, value: number, labels?: Record<string, string>): void;
  /** Observes a duration in milliseconds. */
  timing(name: string, ms: number, labels?: Record<string, string>): void;
}

export const noopMetrics: Metrics = { count() {}, gauge() {}, timing() {} };
