/**
 * Simulcast targets on DynamoDB (`SimulcastTargetStore`). Layout: one partition per stream,
 * `SIMULCAST#<streamId>` / `TARGET#<targetId>` (see dynamodb-table.ts), so a stream's targets are one
 * strongly consistent query and no index is read. Status writes are conditional on the item existing,
 * so a relay never resurrects a deleted target.
 *
 * Must never: hold a plaintext key (the model has only `encryptedKey`, the cipher's output).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DuplicateError } from '../core/errors';
import type { SimulcastTargetStore, TargetChanges, TargetStatusChange } from '../core/ports/simulcast-target-store';
import type { SimulcastTarget } from '../core/relays/target';
import { copyDefined, conditionHeld, ifCondition, writeOrThrow } from './dynamodb-support';
import { itemKeys, PARTITION_KEY, SORT_KEY } from './dynamodb-table';
import { TableClient, type Item } from './dynamodb-table-client';
import { buildUpdate } from './dynamodb-update-expression';

export interface DynamoDbSimulcastTargetStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
}

const FIELDS: ReadonlyArray<keyof SimulcastTarget> = ['id', 'streamId', 'name', 'url', 'encryptedKey', 'enabled', 'status', 'lastError', 'createdAt', 'updatedAt'];

export class DynamoDbSimulcastTargetStore implements SimulcastTargetStore {
  private readonly table: TableClient;

  constructor(options: DynamoDbSimulcastTargetStoreOptions) {
    this.table = new TableClient(options);
  }

  async create(target: SimulcastTarget): Promise<void> {
    const item = copyDefined({} as SimulcastTarget, target, FIELDS);
    await writeOrThrow(
      this.table.put({ Item: marshall({ ...item, ...itemKeys.simulcastTarget(target.streamId, target.id) }), ConditionExpression: 'attribute_not_exists(pk)' }),
      () => new DuplicateError(`A simulcast target with id ${target.id} already exists.`),
    );
  }

  async get(streamId: string, targetId: string): Promise<SimulcastTarget | undefined> {
    const item = await this.table.get(itemKeys.simulcastTarget(streamId, targetId));
    return item ? toTarget(item) : undefined;
  }

  async list(streamId: string): Promise<SimulcastTarget[]> {
    const all = await this.table.all(
      {
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: marshall({ ':pk': itemKeys.simulcastTarget(streamId, '')[PARTITION_KEY], ':prefix': 'TARGET#' }),
        ConsistentRead: true,
      },
      toTarget,
    );
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async update(streamId: string, targetId: string, changes: TargetChanges, updatedAt: string): Promise<SimulcastTarget | undefined> {
    const set: Record<string, unknown> = { updatedAt };
    const remove: string[] = [];
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.url !== undefined) set.url = changes.url;
    if (changes.enabled !== undefined) set.enabled = changes.enabled;
    if (changes.encryptedKey === null) remove.push('encryptedKey');
    else if (changes.encryptedKey !== undefined) set.encryptedKey = changes.encryptedKey;
    return this.write(streamId, targetId, set, remove);
  }

  async setStatus(streamId: string, targetId: string, change: TargetStatusChange, updatedAt: string): Promise<boolean> {
    const set: Record<string, unknown> = { status: change.status, updatedAt };
    const remove: string[] = [];
    if (change.lastError === null) remove.push('lastError');
    else if (change.lastError !== undefined) set.lastError = change.lastError;
    return (await this.write(streamId, targetId, set, remove)) !== undefined;
  }

  async delete(streamId: string, targetId: string): Promise<boolean> {
    return conditionHeld(this.table.delete({ Key: marshall(itemKeys.simulcastTarget(streamId, targetId)), ConditionExpression: 'attribute_exists(pk)' }));
  }

  private async write(streamId: string, targetId: string, set: Record<string, unknown>, remove: string[]): Promise<SimulcastTarget | undefined> {
    const update = buildUpdate(set, remove);
    const result = await ifCondition(
      this.table.update({
        Key: marshall(itemKeys.simulcastTarget(streamId, targetId)),
        UpdateExpression: update.expression,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: marshall(update.values, { removeUndefinedValues: true }),
        ReturnValues: 'ALL_NEW',
      }),
      () => undefined,
    );
    return result?.Attributes ? toTarget(result.Attributes) : undefined;
  }
}

function toTarget(item: Item): SimulcastTarget {
  return copyDefined({} as SimulcastTarget, unmarshall(item) as SimulcastTarget, FIELDS);
}
