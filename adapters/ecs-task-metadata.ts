/**
 * Who this ingest task is, from the ECS task metadata endpoint v4 (`$ECS_CONTAINER_METADATA_URI_V4/task`):
 * the task ARN and its short id (the last part of the ARN), which name the task in heartbeats and which the
 * failover matches against ECS "Task State Change" events.
 *
 * Must never: guess an identity when the endpoint fails; a task without one cannot be failed over.
 */
import { z } from 'zod';
import { StreamplaneError } from '../core/errors';

export interface EcsTaskIdentity {
  taskArn: string;
  /** The last segment of the task ARN. */
  taskId: string;
  cluster: string;
  availabilityZone?: string;
}

const taskSchema = z.object({
  TaskARN: z.string().regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/.+$/),
  Cluster: z.string().min(1),
  AvailabilityZone: z.string().optional(),
});

export class TaskMetadataError extends StreamplaneError {
  override readonly name = 'TaskMetadataError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

/** The short task id of a task ARN (`arn:aws:ecs:<region>:<account>:task/<cluster>/<id>` → `<id>`). */
export function taskIdFromArn(taskArn: string): string {
  const id = taskArn.slice(taskArn.lastIndexOf('/') + 1);
  if (!/^[A-Za-z0-9-]{1,128}$/.test(id)) throw new TaskMetadataError(`Not an ECS task ARN: ${JSON.stringify(taskArn.slice(0, 200))}.`);
  return id;
}

export async function fetchEcsTaskIdentity(options: { metadataUri: string; timeoutMs?: number; fetch?: typeof fetch }): Promise<EcsTaskIdentity> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(`${options.metadataUri.replace(/\/+$/, '')}/task`, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
  } catch (err) {
    throw new TaskMetadataError('The ECS task metadata endpoint could not be reached.', { cause: err });
  }
  if (!response.ok) throw new TaskMetadataError(`The ECS task metadata endpoint answered HTTP ${response.status}.`);
  let body: unknown;
  try {
    body = await response.json();
  } catch (err) {
    throw new TaskMetadataError('The ECS task metadata endpoint answered with something that is not JSON.', { cause: err });
  }
  const parsed = taskSchema.safeParse(body);
  if (!parsed.success) throw new TaskMetadataError('The ECS task metadata has no valid TaskARN and Cluster.');
  const identity: EcsTaskIdentity = { taskArn: parsed.data.TaskARN, taskId: taskIdFromArn(parsed.data.TaskARN), cluster: parsed.data.Cluster };
  if (parsed.data.AvailabilityZone) identity.availabilityZone = parsed.data.AvailabilityZone;
  return identity;
}
