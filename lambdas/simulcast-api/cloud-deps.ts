/**
 * Cold-start wiring of the simulcast targets API for AWS: validated config, DynamoDB for targets and
 * streams, KMS envelope encryption of keys, the cloud URL policy (private ranges refused unless
 * allow-listed) with a DNS check, and the API token from its secret; EMF metrics flushed per invocation.
 * The ingest tasks pick up changes by polling the table while a stream is live.
 */
import { hostAddresses } from '../../adapters/host-addresses';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbSimulcastTargetStore } from '../../adapters/dynamodb-simulcast-target-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { KmsKeyCipher } from '../../adapters/kms-key-cipher';
import { systemClock } from '../../core/ports/clock';
import { apiTokenSource } from '../shared/api-token';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadSimulcastApiConfig } from './config';
import { createSimulcastApiHandler, type SimulcastApiDeps, type SimulcastApiHandler } from './handler';

const SERVICE = 'simulcast-api';

export async function simulcastApiCloudDeps(env?: Env): Promise<SimulcastApiDeps & { metrics: EmfMetrics }> {
  const config = loadSimulcastApiConfig(env);
  const client = new DynamoDBClient({});
  return {
    targets: new DynamoDbSimulcastTargetStore({ tableName: config.tableName, client }),
    streams: new DynamoDbStreamStore({ tableName: config.tableName, client }),
    cipher: new KmsKeyCipher({ keyId: config.keyId }),
    clock: systemClock,
    urlPolicy: { allowLoopback: false, allowCidrs: config.allowCidrs },
    resolveHost: hostAddresses(),
    maxTargets: config.maxTargets,
    apiToken: apiTokenSource(config.apiToken),
    logger: powertoolsLogger(SERVICE),
    metrics: new EmfMetrics(SERVICE),
  };
}

export async function buildSimulcastApiHandler(env?: Env): Promise<SimulcastApiHandler> {
  const deps = await simulcastApiCloudDeps(env);
  return withMetricsFlush(createSimulcastApiHandler(deps), deps.metrics);
}

