/**
 * The ingest task's simulcast relays in AWS: targets read from the plane's table (polled while a
 * stream is live: the API cannot reach the task), keys decrypted through KMS right before a relay
 * starts, and the cloud URL policy (no private addresses; checked again at every connection).
 *
 * Must never: relay to an internal address, or keep a decrypted key anywhere but the running relay.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbSimulcastTargetStore } from '../../../../adapters/dynamodb-simulcast-target-store';
import { KmsKeyCipher } from '../../../../adapters/kms-key-cipher';
import type { EmitEvent } from '../../../../core/events/emit-event';
import { systemClock } from '../../../../core/ports/clock';
import type { Logger } from '../../../../core/ports/logger';
import { CLOUD_URL_POLICY } from '../../../../core/webhooks/url-policy';
import { RelayManager } from '../relays/relay-manager';

export function cloudRelays(options: { tableName: string; keyId: string; dynamo: DynamoDBClient; emit: EmitEvent; logger: Logger; ffmpegPath: string; publishTimeoutSeconds: number }): RelayManager {
  return new RelayManager({
    store: new DynamoDbSimulcastTargetStore({ tableName: options.tableName, client: options.dynamo }),
    cipher: new KmsKeyCipher({ keyId: options.keyId }),
    emit: options.emit,
    clock: systemClock,
    logger: options.logger,
    settings: {
      ffmpegPath: options.ffmpegPath,
      policy: CLOUD_URL_POLICY,
      publishTimeoutMs: options.publishTimeoutSeconds * 1000,
      buffer: { maxBytes: 8 * 1024 * 1024, maxLagMs: 10_000 },
      backoffScale: 1,
    },
    pollMs: 5_000,
  });
}
