/**
 * Cold-start wiring of the MP4 export-stopped Lambda for AWS: validated config, the recording records,
 * EMF metrics. It calls no ECS API: the stopped task's event carries everything it needs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { systemClock } from '../../core/ports/clock';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadMp4ExportStoppedConfig } from './config';
import { createMp4ExportStoppedHandler, type Mp4ExportStoppedDeps, type Mp4ExportStoppedHandler } from './handler';

const SERVICE = 'mp4-export-stopped';

export function mp4ExportStoppedCloudDeps(env?: Env): Mp4ExportStoppedDeps & { metrics: EmfMetrics } {
  const config = loadMp4ExportStoppedConfig(env);
  return {
    recordings: new DynamoDbRecordingStore({ tableName: config.tableName, client: new DynamoDBClient({}) }),
    clock: systemClock,
    containerName: config.containerName,
    logger: powertoolsLogger(SERVICE),
    metrics: new EmfMetrics(SERVICE),
  };
}

export async function buildMp4ExportStoppedHandler(env?: Env): Promise<Mp4ExportStoppedHandler> {
  const deps = mp4ExportStoppedCloudDeps(env);
  return withMetricsFlush(createMp4ExportStoppedHandler(deps), deps.metrics);
}
