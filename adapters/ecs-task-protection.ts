/**
 * ECS task scale-in protection (`ScaleInProtection`) through the ECS agent's endpoint inside the task
 * (`$ECS_AGENT_URI/task-protection/v1/state`), an HTTP call to the agent rather than the ECS API, so it
 * needs no cluster or task ARN; the agent signs the request with the task role, which therefore needs
 * `ecs:UpdateTaskProtection` on the task. While a task carries live streams it is protected, so neither
 * autoscaling nor a deployment stops it under a publisher.
 *
 * Must never: report success when the agent answered with a failure (the answer carries `failure` or
 * `error` objects even with some 2xx/4xx codes).
 */
import { z } from 'zod';
import { StreamplaneError } from '../core/errors';
import type { ScaleInProtection } from '../core/ports/scale-in-protection';

/** ECS accepts 1 to 2880 minutes (48 hours). */
const MAX_MINUTES = 2880;

const answerSchema = z.object({
  protection: z.object({ ProtectionEnabled: z.boolean(), ExpirationDate: z.string().nullish(), TaskArn: z.string().optional() }).optional(),
  failure: z.object({ Arn: z.string().optional(), Reason: z.string().optional(), Detail: z.string().nullish() }).optional(),
  error: z.object({ Arn: z.string().optional(), Code: z.string().optional(), Message: z.string().optional() }).optional(),
});

export class TaskProtectionError extends StreamplaneError {
  override readonly name = 'TaskProtectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

export interface EcsTaskProtectionOptions {
  /** The value of `ECS_AGENT_URI` (set by ECS in every task). */
  agentUri: string;
  /** @default 5000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class EcsTaskProtection implements ScaleInProtection {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: EcsTaskProtectionOptions) {
    let base: URL;
    try {
      base = new URL(options.agentUri);
    } catch (err) {
      throw new TaskProtectionError('ECS_AGENT_URI is not a URL.', { cause: err });
    }
    if (base.protocol !== 'http:') throw new TaskProtectionError(`ECS_AGENT_URI must be an http URL, got ${base.protocol}.`);
    this.url = `${options.agentUri.replace(/\/+$/, '')}/task-protection/v1/state`;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetch = options.fetch ?? fetch;
  }

  async protect(minutes: number): Promise<void> {
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES) {
      throw new TaskProtectionError(`Protection must last 1 to ${MAX_MINUTES} whole minutes, got ${minutes}.`);
    }
    await this.put({ ProtectionEnabled: true, ExpiresInMinutes: minutes }, true);
  }

  async release(): Promise<void> {
    await this.put({ ProtectionEnabled: false }, false);
  }

  private async put(body: Record<string, unknown>, expectEnabled: boolean): Promise<void> {
    let response: Response;
    try {
      response = await this.fetch(this.url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new TaskProtectionError('The ECS agent could not be reached to change task protection.', { cause: err });
    }
    const text = await response.text();
    let answer: z.infer<typeof answerSchema> = {};
    try {
      answer = answerSchema.parse(JSON.parse(text));
    } catch {
      // Not the documented JSON: judged by the status code alone below.
    }
    if (answer.failure) throw new TaskProtectionError(`The ECS agent refused task protection: ${answer.failure.Reason ?? 'unknown'} ${answer.failure.Detail ?? ''}`.trim());
    if (answer.error) throw new TaskProtectionError(`The ECS agent failed to change task protection: ${answer.error.Code ?? response.status} ${answer.error.Message ?? ''}`.trim());
    if (!response.ok) throw new TaskProtectionError(`The ECS agent answered HTTP ${response.status} to a task protection change.`);
    if (answer.protection && answer.protection.ProtectionEnabled !== expectEnabled) {
      throw new TaskProtectionError(`The ECS agent reports protection ${answer.protection.ProtectionEnabled ? 'on' : 'off'} after asking for ${expectEnabled ? 'on' : 'off'}.`);
    }
  }
}
