/**
 * The recent-events log on DynamoDB (`EventLog`), in the plane's single table (see dynamodb-table.ts):
 * one item per event keyed by its id, so appends are idempotent (a redelivered event is stored once);
 * gsi1 orders one stream's events by sequence, gsi2 orders all events by time (spread over
 * `EVENTS#<shard>` by event id and merged on read, so no one partition takes every event's write). Items expire after
 * seven days (TTL on `expiresAt`); since TTL deletion lags (and dynalite has none), queries also filter
 * expired items out themselves.
 *
 * Query semantics: without `after`, the most recent `limit` matching events, oldest first; with `after`
 * (an event id, exclusive), the first `limit` matching events after it. So a poller passes the last id it
 * saw. Reads of the indexes are eventually consistent in AWS: an event may appear a moment after append.
 *
 * Must never: store anything but the event envelope (which by contract carries no secrets).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ValidationError } from '../core/errors';
import type { StreamplaneEvent } from '../core/events/catalog';
import { systemClock, type Clock } from '../core/ports/clock';
import type { EventLog, EventQuery } from '../core/ports/event-bus';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, GSI2_NAME, GSI2_PARTITION_KEY, GSI2_SORT_KEY, itemKeys, TTL_ATTRIBUTE } from './dynamodb-table';
import { TableClient } from './dynamodb-table-client';
import { indexPage } from './dynamodb-sharded-index';
import { checkLimit, conditionHeld } from './dynamodb-support';

export const EVENT_RETENTION_SECONDS = 7 * 24 * 3600;
const MAX_QUERY_LIMIT = 1000;
const MAX_TYPES = 50;

export interface DynamoDbEventLogOptions {
  tableName: string;
  client?: DynamoDBClient;
  /** Decides what has expired; injected so tests can move time. */
  clock?: Clock;
  retentionSeconds?: number;
}

export class DynamoDbEventLog implements EventLog {
  private readonly table: TableClient;
  private readonly clock: Clock;
  private readonly retentionSeconds: number;

  constructor(options: DynamoDbEventLogOptions) {
    this.table = new TableClient(options);
    this.clock = options.clock ?? systemClock;
    this.retentionSeconds = options.retentionSeconds ?? EVENT_RETENTION_SECONDS;
  }

  async append(event: StreamplaneEvent): Promise<void> {
    const time = Date.parse(event.time);
    const base = Number.isFinite(time) ? time : this.clock.now().getTime();
    const item = {
      ...itemKeys.event(event.id),
      [GSI1_PARTITION_KEY]: itemKeys.eventStreamPartition(event.streamId, event.id),
      [GSI1_SORT_KEY]: itemKeys.eventSequence(event.sequence),
      [GSI2_PARTITION_KEY]: itemKeys.eventTimePartition.key(event.id),
      [GSI2_SORT_KEY]: itemKeys.eventTime(event.time, event.streamId, event.sequence),
      type: event.type,
      [TTL_ATTRIBUTE]: Math.floor(base / 1000) + this.retentionSeconds,
      // The envelope verbatim: what comes out of query is byte for byte what was appended.
      body: JSON.stringify(event),
    };
    // Refused means already stored: at-least-once delivery makes duplicates normal, and the first copy wins.
    await conditionHeld(this.table.put({ Item: marshall(item), ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async query(query: EventQuery): Promise<StreamplaneEvent[]> {
    checkLimit(query.limit, MAX_QUERY_LIMIT);
    if (query.types && query.types.length > MAX_TYPES) {
      throw new ValidationError(`At most ${MAX_TYPES} types may be given.`, [{ path: 'type', message: 'too many values' }]);
    }
    const perStream = query.streamId !== undefined;
    const index = perStream
      ? { name: GSI1_NAME, pk: GSI1_PARTITION_KEY, sk: GSI1_SORT_KEY, partitions: [itemKeys.eventStreamPartition(query.streamId as string)] }
      : { name: GSI2_NAME, pk: GSI2_PARTITION_KEY, sk: GSI2_SORT_KEY, partitions: itemKeys.eventTimePartition.partitions };
    const after = query.after === undefined ? undefined : await this.positionOf(query.after, index.pk, index.partitions, index.sk);

    const names: Record<string, string> = { '#exp': TTL_ATTRIBUTE };
    const values: Record<string, unknown> = { ':now': Math.floor(this.clock.now().getTime() / 1000) };
    let filter = '#exp > :now';
    if (query.types && query.types.length > 0) {
      names['#type'] = 'type';
      const placeholders = query.types.map((type, i) => {
        values[`:t${i}`] = type;
        return `:t${i}`;
      });
      filter += ` AND #type IN (${placeholders.join(', ')})`;
    }

    // Forward from a known position; otherwise backwards from the newest, reversed at the end.
    const forward = after !== undefined;
    const page = await indexPage(
      this.table,
      {
        indexName: index.name,
        partitionAttribute: index.pk,
        sortAttribute: index.sk,
        partitions: index.partitions,
        order: forward ? 'oldest-first' : 'newest-first',
        ...(after !== undefined ? { after } : {}),
        filter: { expression: filter, names, values },
        // The filter drops items after Limit counts them: read a little more than asked to need fewer pages.
        pageSize: Math.min(MAX_QUERY_LIMIT, Math.max(Math.ceil((query.limit * 2) / index.partitions.length), 100)),
      },
      query.limit,
      (item) => {
        const body = item.body?.S;
        return body === undefined ? undefined : (JSON.parse(body) as StreamplaneEvent);
      },
    );
    const events = page.items.map((hit) => hit.value);
    return forward ? events : events.reverse();
  }

  /** Where `after` sits in the index being read; it must be an event this log holds, in that partition. */
  private async positionOf(eventId: string, pkAttribute: string, partitions: ReadonlyArray<string>, skAttribute: string): Promise<string> {
    const item = await this.table.get(itemKeys.event(eventId));
    const expired = Number(item?.[TTL_ATTRIBUTE]?.N ?? 0) <= Math.floor(this.clock.now().getTime() / 1000);
    if (!item || expired) {
      throw new ValidationError('after names no event in the log (it may have expired).', [{ path: 'after', message: 'unknown event' }]);
    }
    const position = item[skAttribute]?.S;
    if (!partitions.includes(item[pkAttribute]?.S ?? '') || position === undefined) {
      throw new ValidationError('after names an event of another stream.', [{ path: 'after', message: 'not an event of this stream' }]);
    }
    return position;
  }
}
