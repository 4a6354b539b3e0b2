/**
 * ServiceRevision on ECS: the task asks DescribeTasks once for its own task definition and service group
 * (`service:<name>`), then, on each check, DescribeServices for the service's PRIMARY deployment. A task
 * whose task definition is not the primary one belongs to a deployment being replaced: it is outdated.
 * Anything unexpected (no service group, API errors) answers `unknown`, never `outdated` — a wrong
 * "outdated" would hand every stream off for nothing.
 *
 * Must never: describe other tasks than this one, or throw from `check`.
 */
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { Logger } from '../core/ports/logger';
import type { RevisionStatus, ServiceRevision } from '../core/ports/service-revision';

export interface EcsServiceRevisionOptions {
  cluster: string;
  taskArn: string;
  logger: Logger;
  client?: ECSClient;
}

export class EcsServiceRevision implements ServiceRevision {
  private readonly client: ECSClient;
  private own: { taskDefinitionArn: string; service: string } | undefined;

  constructor(private readonly options: EcsServiceRevisionOptions) {
    this.client = options.client ?? new ECSClient({});
  }

  async check(): Promise<RevisionStatus> {
    try {
      if (!this.own) {
        const described = await this.client.send(new DescribeTasksCommand({ cluster: this.options.cluster, tasks: [this.options.taskArn] }));
        const task = described.tasks?.[0];
        const group = task?.group ?? '';
        if (!task?.taskDefinitionArn || !group.startsWith('service:')) return 'unknown';
        this.own = { taskDefinitionArn: task.taskDefinitionArn, service: group.slice('service:'.length) };
      }
      const { services } = await this.client.send(new DescribeServicesCommand({ cluster: this.options.cluster, services: [this.own.service] }));
      const primary = services?.[0]?.deployments?.find((d) => d.status === 'PRIMARY');
      if (!primary?.taskDefinition) return 'unknown';
      return primary.taskDefinition === this.own.taskDefinitionArn ? 'current' : 'outdated';
    } catch (err) {
      this.options.logger.warn('ingest: could not check the service revision', { error: err instanceof Error ? err : String(err) });
      return 'unknown';
    }
  }
}
