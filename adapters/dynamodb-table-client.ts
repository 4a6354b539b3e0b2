/**
 * The plane's one table as the DynamoDB adapters use it: every command already names the table, reads
 * of single items are strongly consistent, and queries page through `LastEvaluatedKey` in one place.
 * An adapter takes its SDK client as an option and builds a default one otherwise (tests inject clients
 * pointed at dynalite). Must never read an index where a decision needs a strongly consistent item.
 */
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DeleteItemCommandInput,
  type PutItemCommandInput,
  type QueryCommandInput,
  type QueryCommandOutput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

export type Item = Record<string, AttributeValue>;
type WithoutTable<T> = Omit<T, 'TableName'>;
export type QueryInput = WithoutTable<QueryCommandInput>;

export interface TableOptions {
  tableName: string;
  client?: DynamoDBClient;
}

export class TableClient {
  readonly tableName: string;
  readonly client: DynamoDBClient;

  constructor(options: TableOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? new DynamoDBClient({});
  }

  /** The item with this (plain) key, strongly consistent. */
  async get(key: Record<string, string>): Promise<Item | undefined> {
    return (await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }))).Item;
  }

  put(input: WithoutTable<PutItemCommandInput>) {
    return this.client.send(new PutItemCommand({ ...input, TableName: this.tableName }));
  }

  update(input: WithoutTable<UpdateItemCommandInput>) {
    return this.client.send(new UpdateItemCommand({ ...input, TableName: this.tableName }));
  }

  delete(input: WithoutTable<DeleteItemCommandInput>) {
    return this.client.send(new DeleteItemCommand({ ...input, TableName: this.tableName }));
  }

  /** Every page of a query, from `ExclusiveStartKey` on; stop early by leaving the loop. */
  async *pages(input: WithoutTable<QueryCommandInput>): AsyncGenerator<QueryCommandOutput> {
    let start = input.ExclusiveStartKey;
    do {
      const out = await this.client.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: start }));
      yield out;
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /** Every item of a query, each mapped by `map`. */
  async all<T>(input: WithoutTable<QueryCommandInput>, map: (item: Item) => T): Promise<T[]> {
    const found: T[] = [];
    for await (const out of this.pages(input)) for (const item of out.Items ?? []) found.push(map(item));
    return found;
  }

  /**
   * `limit` mapped items (those `map` does not drop by returning undefined) and whether more exist. Reads
   * one more than asked, so the last page never has an empty successor.
   */
  async page<T>(input: WithoutTable<QueryCommandInput>, limit: number, map: (item: Item) => T | undefined): Promise<{ items: T[]; more: boolean }> {
    const wanted = limit + 1;
    const items: T[] = [];
    let start = input.ExclusiveStartKey;
    do {
      const out = await this.client.send(new QueryCommand({ ...input, TableName: this.tableName, Limit: wanted - items.length, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) {
        const mapped = map(item);
        if (mapped !== undefined) items.push(mapped);
      }
      start = out.LastEvaluatedKey;
    } while (start && items.length < wanted);
    return items.length > limit ? { items: items.slice(0, limit), more: true } : { items, more: false };
  }
}
