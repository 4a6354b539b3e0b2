/**
 * Counts DynamoDB writes per physical partition key, from an SDK middleware on the client the real
 * control-plane modules use: each PutItem/UpdateItem/DeleteItem is one write to its base-table partition
 * and one more to every index partition the item enters, leaves or changes in (an index key change is a
 * delete plus a put there). Index keys of updated items are remembered from earlier writes of the same item
 * and from SET/REMOVE clauses, so UpdateItems are attributed like DynamoDB attributes them. WCU are counted
 * per 1 KB of item, rounded up, as on-demand tables bill them.
 *
 * Must never: change a request, or be installed on a client talking to a real AWS account (it is a bench).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GSI1_PARTITION_KEY, GSI2_PARTITION_KEY, PARTITION_KEY, SORT_KEY } from '../../adapters/dynamodb-table';

type Item = Record<string, AttributeValue>;
const INDEXES = [GSI1_PARTITION_KEY, GSI2_PARTITION_KEY] as const;

export interface PartitionCount {
  partition: string;
  writes: number;
  wcu: number;
}

export class PartitionMeter {
  private counts = new Map<string, { writes: number; wcu: number }>();
  private readonly indexKeys = new Map<string, Partial<Record<(typeof INDEXES)[number], string>>>();
  /** Query/GetItem/… requests seen, by command. */
  readonly requests = new Map<string, number>();

  install(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        this.requests.set(command, (this.requests.get(command) ?? 0) + 1);
        const result = await next(args);
        // Only writes that landed count (a refused conditional write consumes a WCU too, but moves no index).
        this.record(command, args.input as Record<string, unknown>);
        return result;
      },
      { step: 'initialize', name: 'partitionMeter' },
    );
  }

  /** Counts so far, and starts a new window. */
  take(): PartitionCount[] {
    const out = [...this.counts].map(([partition, c]) => ({ partition, ...c }));
    this.counts = new Map();
    return out.sort((a, b) => b.wcu - a.wcu);
  }

  private add(partition: string, wcu: number): void {
    const c = this.counts.get(partition) ?? { writes: 0, wcu: 0 };
    c.writes += 1;
    c.wcu += wcu;
    this.counts.set(partition, c);
  }

  private record(command: string, input: Record<string, unknown>): void {
    if (command === 'PutItemCommand') {
      const item = input.Item as Item;
      const id = identity(item);
      const wcu = Math.max(1, Math.ceil(JSON.stringify(item).length / 1024));
      this.add(`table:${item[PARTITION_KEY]?.S}`, wcu);
      const before = this.indexKeys.get(id) ?? {};
      const after: Partial<Record<(typeof INDEXES)[number], string>> = {};
      for (const index of INDEXES) {
        const value = item[index]?.S;
        if (value !== undefined) after[index] = value;
        this.indexWrite(index, before[index], value, wcu);
      }
      this.indexKeys.set(id, after);
    } else if (command === 'UpdateItemCommand') {
      const key = input.Key as Item;
      const id = identity(key);
      this.add(`table:${key[PARTITION_KEY]?.S}`, 1);
      const before = this.indexKeys.get(id) ?? {};
      const after = { ...before };
      const expression = String(input.UpdateExpression ?? '');
      const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (input.ExpressionAttributeValues ?? {}) as Item;
      for (const [, name, value] of expression.matchAll(/(#[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
        const attribute = names[name as string];
        if (attribute === GSI1_PARTITION_KEY || attribute === GSI2_PARTITION_KEY) after[attribute] = values[value as string]?.S as string;
      }
      const removed = /REMOVE\s+([^]*?)(?:\s+(?:SET|ADD|DELETE)\s|$)/.exec(expression)?.[1] ?? '';
      for (const token of removed.split(',').map((t) => t.trim())) {
        const attribute = names[token] ?? token;
        if (attribute === GSI1_PARTITION_KEY || attribute === GSI2_PARTITION_KEY) delete after[attribute];
      }
      for (const index of INDEXES) this.indexWrite(index, before[index], after[index], 1);
      this.indexKeys.set(id, after);
    } else if (command === 'DeleteItemCommand') {
      const key = input.Key as Item;
      const id = identity(key);
      this.add(`table:${key[PARTITION_KEY]?.S}`, 1);
      const before = this.indexKeys.get(id) ?? {};
      for (const index of INDEXES) this.indexWrite(index, before[index], undefined, 1);
      this.indexKeys.delete(id);
    }
  }

  private indexWrite(index: string, before: string | undefined, after: string | undefined, wcu: number): void {
    const name = index === GSI1_PARTITION_KEY ? 'gsi1' : 'gsi2';
    if (before !== undefined && before !== after) this.add(`${name}:${before}`, wcu);
    if (after !== undefined) this.add(`${name}:${after}`, wcu);
  }
}

function identity(item: Item): string {
  return `${item[PARTITION_KEY]?.S}\u0000${item[SORT_KEY]?.S}`;
}
