/**
 * ExportTaskLauncher on ECS: one Fargate task per MP4 export (ecs:RunTask of the export task definition,
 * the recording id as the container's environment override), in the plane's cluster and subnets with the
 * export task's own security group. RunTask's `failures` (no capacity, ENI limits) are errors, so the job's
 * queue message comes back and is tried again; the SQS message id is the client token, so a redelivered
 * message whose first RunTask did succeed starts no second task.
 *
 * Must never: override the command, role or size of the task (the task definition decides those).
 */
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { EXPORT_RECORDING_ID_VAR, EXPORT_STARTED_BY, type ExportTaskLauncher } from '../core/ports/export-tasks';

export interface EcsExportTasksOptions {
  cluster: string;
  taskDefinition: string;
  containerName: string;
  subnets: ReadonlyArray<string>;
  securityGroups: ReadonlyArray<string>;
  /** Public subnets without NAT need a public address to reach S3 and DynamoDB. @default true */
  assignPublicIp?: boolean;
  client?: ECSClient;
}

export class ExportTaskStartError extends Error {
  override readonly name = 'ExportTaskStartError';
  readonly code = 'export_task_not_started';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class EcsExportTasks implements ExportTaskLauncher {
  private readonly client: ECSClient;

  constructor(private readonly options: EcsExportTasksOptions) {
    this.client = options.client ?? new ECSClient({});
  }

  async launch(recordingId: string, idempotencyToken: string): Promise<{ taskArn: string }> {
    const o = this.options;
    const out = await this.client.send(
      new RunTaskCommand({
        cluster: o.cluster,
        taskDefinition: o.taskDefinition,
        launchType: 'FARGATE',
        count: 1,
        networkConfiguration: {
          awsvpcConfiguration: { subnets: [...o.subnets], securityGroups: [...o.securityGroups], assignPublicIp: (o.assignPublicIp ?? true) ? 'ENABLED' : 'DISABLED' },
        },
        overrides: { containerOverrides: [{ name: o.containerName, environment: [{ name: EXPORT_RECORDING_ID_VAR, value: recordingId }] }] },
        startedBy: EXPORT_STARTED_BY,
        clientToken: idempotencyToken.slice(0, 64),
      }),
    );
    const taskArn = out.tasks?.[0]?.taskArn;
    if (taskArn) return { taskArn };
    const failure = out.failures?.[0];
    throw new ExportTaskStartError(`RunTask started no task${failure ? `: ${failure.reason ?? 'unknown reason'}${failure.detail ? ` (${failure.detail})` : ''}` : ''}`.slice(0, 300));
  }
}
