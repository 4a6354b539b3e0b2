/**
 * Draining an ingest task: from the moment it starts, the task takes no new publisher (an RTMP error
 * status tells the encoder to reconnect, which the NLB sends to another task; the readiness check turns
 * 503 so the NLB stops choosing this one), and every live publisher is handed off — closed at its next
 * keyframe with the same status — so its encoder reconnects to a new task inside the stream's reconnect
 * window and continues the same session and recording. Triggered by a deploy (this task's revision is
 * outdated) or by SIGTERM. `settled` resolves once no publisher is left or the deadline passed; the task
 * then stops renewing its scale-in protection, which bounds how long a deploy waits for it.
 *
 * Must never: admit a publish once draining, or hold a task past its deadline for a publisher that stays.
 */
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { AcceptedPublish, PublishAdmission } from '../rtmp/rtmp-ingest';

export type DrainReason = 'deploy' | 'shutdown';

/** What an encoder is told (and logs) when this task refuses or ends its publish. */
export const DRAINING_DESCRIPTION = 'Ingest task draining (deploy or shutdown): reconnect, another task takes the stream';

export interface IngestDrainOptions {
  publishers(): AcceptedPublish[];
  logger: Logger;
  metrics: Metrics;
  /** Polling of "anyone left?" while settling. @default 250 */
  pollMs?: number;
}

export class IngestDrain {
  private reason: DrainReason | undefined;
  private settledPromise: Promise<void> | undefined;

  constructor(private readonly options: IngestDrainOptions) {}

  get draining(): DrainReason | undefined {
    return this.reason;
  }

  /** The RTMP admission check: refuses every publish once draining. */
  readonly admission: PublishAdmission = () => (this.reason ? { reason: 'draining', description: DRAINING_DESCRIPTION } : undefined);

  /**
   * Starts draining (idempotent: a second call returns the first one's promise) and hands every live
   * publisher off at its next keyframe. Resolves when none is left, or after `deadlineMs`.
   */
  drain(reason: DrainReason, deadlineMs: number): Promise<void> {
    if (this.settledPromise) return this.settledPromise;
    this.reason = reason;
    const publishers = this.options.publishers();
    this.options.logger.info('ingest: draining; handing live publishers off to other tasks', { reason, publishers: publishers.length, deadlineMs });
    this.options.metrics.count('ingest_drains', 1, { reason });
    for (const publish of publishers) publish.handOff(DRAINING_DESCRIPTION);
    this.settledPromise = new Promise<void>((resolve) => {
      const started = Date.now();
      const check = () => {
        const left = this.options.publishers().length;
        if (left === 0 || Date.now() - started >= deadlineMs) {
          if (left > 0) {
            this.options.logger.warn('ingest: drain deadline passed with publishers left; closing them', { left });
            for (const publish of this.options.publishers()) publish.disconnect();
          }
          this.options.metrics.timing('ingest_drain_ms', Date.now() - started);
          resolve();
          return;
        }
        setTimeout(check, this.options.pollMs ?? 250).unref();
      };
      check();
    });
    return this.settledPromise;
  }
}
