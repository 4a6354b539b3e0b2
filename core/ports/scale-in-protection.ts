/**
 * Keeps the orchestrator from stopping an ingest task (scale-in, deployments) while it carries live
 * streams. ECS task scale-in protection in the cloud; nothing to do on one machine.
 */
export interface ScaleInProtection {
  /** Protects the task for the next `minutes`; call again before that runs out to keep it. */
  protect(minutes: number): Promise<void>;
  /** Lets the orchestrator stop the task again. */
  release(): Promise<void>;
}

export const noScaleInProtection: ScaleInProtection = {
  async protect() {},
  async release() {},
};
