/**
 * Cold-start wiring of the MP4 export dispatcher for AWS: validated config, ECS RunTask of the export task
 * definition, the recording records (only to mark an export failed whose task never started), EMF metrics.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { EcsExportTasks } from '../../adapters/ecs-export-tasks';
import { systemClock } from '../../core/ports/clock';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadMp4ExportDispatchConfig } from './config';
import { createMp4ExportDispatchHandler, type Mp4ExportDispatchDeps, type Mp4ExportDispatchHandler } from './handler';

const SERVICE = 'mp4-export-dispatch';

export function mp4ExportDispatchCloudDeps(env?: Env): Mp4ExportDispatchDeps & { metrics: EmfMetrics } {
  const config = loadMp4ExportDispatchConfig(env);
  return {
    tasks: new EcsExportTasks({
      cluster: config.clusterArn,
      taskDefinition: config.taskDefinitionArn,
      containerName: config.containerName,
      subnets: config.subnetIds,
      securityGroups: config.securityGroupIds,
    }),
    recordings: new DynamoDbRecordingStore({ tableName: config.tableName, client: new DynamoDBClient({}) }),
    clock: systemClock,
    maxReceiveCount: config.maxReceiveCount,
    logger: powertoolsLogger(SERVICE),
    metrics: new EmfMetrics(SERVICE),
  };
}

export async function buildMp4ExportDispatchHandler(env?: Env): Promise<Mp4ExportDispatchHandler> {
  const deps = mp4ExportDispatchCloudDeps(env);
  return withMetricsFlush(createMp4ExportDispatchHandler(deps), deps.metrics);
}
