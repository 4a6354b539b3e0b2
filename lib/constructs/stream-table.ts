/**
 * The plane's one DynamoDB table (single-table design), built from the schema the adapters share
 * (adapters/dynamodb-table.ts), so the cloud table and the local one cannot drift apart. On-demand,
 * point-in-time recovery, TTL on `expiresAt` for ephemeral items (events, heartbeats, reconnect
 * deadlines).
 *
 * Access is granted by intent and narrowed to item families with `dynamodb:LeadingKeys` (the partition
 * key prefixes spelled in the adapters), so e.g. the publish-auth hook can resolve keys and move a stream
 * through its session states but can never touch webhooks, heartbeats or the event log.
 *
 * Must never: grant Scan, table-level management actions, or item access without a key-prefix condition
 * to anything but the registry (which owns every stream-facing item).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { GSI1_NAME, TABLE_SCHEMA } from '../../adapters/dynamodb-table';
import { HEARTBEAT_PARTITION_PREFIX } from '../../adapters/dynamodb-ingest-heartbeats';
import { RECONNECT_DEADLINE_PARTITION_PREFIX } from '../../adapters/dynamodb-reconnect-deadlines';

/** Partition-key prefixes of the item families (see adapters/dynamodb-table.ts for the layout). */
export const ITEM_FAMILIES = {
  stream: 'STREAM#',
  keyIndex: 'KEY#',
  sequence: 'SEQ#',
  event: 'EVENT#',
  /** Recording records (see adapters/dynamodb-recording-store.ts). */
  recording: 'REC#',
  /** Endpoints, deliveries and attempts all start with WEBHOOK (see adapters/dynamodb-webhook-store.ts). */
  webhook: 'WEBHOOK',
  heartbeat: HEARTBEAT_PARTITION_PREFIX,
  reconnectDeadline: RECONNECT_DEADLINE_PARTITION_PREFIX,
} as const;

const ITEM_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'];
const ITEM_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

export interface StreamTableProps {
  /** What `cdk destroy` does to the table. RETAIN also turns on deletion protection. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class StreamTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StreamTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (TABLE_SCHEMA.billingMode !== 'PAY_PER_REQUEST') {
      throw new Error(`StreamTable: the shared schema asks for billing mode ${TABLE_SCHEMA.billingMode}; only PAY_PER_REQUEST is supported.`);
    }
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    for (const index of TABLE_SCHEMA.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  get tableName(): string {
    return this.table.tableName;
  }

  get tableArn(): string {
    return this.table.tableArn;
  }

  /** ARN of one index (Query permissions name the index, never `index/*`). */
  indexArn(indexName: string): string {
    if (!TABLE_SCHEMA.globalSecondaryIndexes.some((index) => index.indexName === indexName)) {
      throw new Error(`StreamTable: no index named "${indexName}"; expected one of ${TABLE_SCHEMA.globalSecondaryIndexes.map((i) => i.indexName).join(', ')}.`);
    }
    return `${this.table.tableArn}/index/${indexName}`;
  }

  /**
   * Item actions limited to partitions whose key starts with one of `prefixes`. The general form behind
   * the intent-named grants below; also for functions whose item families are defined later.
   */
  grantItemFamilies(grantee: iam.IGrantable, actions: ReadonlyArray<string>, prefixes: ReadonlyArray<string>): iam.Grant {
    if (prefixes.length === 0) throw new Error('StreamTable.grantItemFamilies: expected at least one key prefix.');
    for (const action of actions) {
      if (!/^dynamodb:(GetItem|BatchGetItem|PutItem|UpdateItem|DeleteItem|ConditionCheckItem)$/.test(action)) {
        throw new Error(`StreamTable.grantItemFamilies: ${action} is not an item action; expected GetItem, BatchGetItem, PutItem, UpdateItem, DeleteItem or ConditionCheckItem.`);
      }
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) } },
    });
  }

  /** Resolve a stream key hash to its stream (key index item, then the stream item). The auth hook's read. */
  grantResolveStreamKeys(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem'], [ITEM_FAMILIES.keyIndex, ITEM_FAMILIES.stream]);
  }

  /**
   * Move a stream through its session states (connect, live, interrupted, ended): read the stream, replace
   * it with a conditional write, and allocate event sequence numbers.
   */
  grantSessionTransitions(grantee: iam.IGrantable): iam.Grant {
    const streams = this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.stream]);
    const sequences = this.grantItemFamilies(grantee, ['dynamodb:UpdateItem'], [ITEM_FAMILIES.sequence]);
    return streams.combine(sequences);
  }

  /** Write and remove the caller's ingest heartbeat. */
  grantWriteHeartbeats(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:PutItem', 'dynamodb:DeleteItem'], [ITEM_FAMILIES.heartbeat]);
  }

  /** What the failover keeps: heartbeats and reconnect deadlines, read by key and listed through gsi1. */
  grantFailoverBookkeeping(grantee: iam.IGrantable): iam.Grant {
    const items = this.grantItemFamilies(
      grantee,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      [ITEM_FAMILIES.heartbeat, ITEM_FAMILIES.reconnectDeadline],
    );
    const listing = iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [this.indexArn(GSI1_NAME)] });
    return items.combine(listing);
  }

  /**
   * The stream registry (control API) owns the stream-facing items — streams, key index, sequences and the
   * event log — and lists through both indexes. Webhooks, heartbeats and reconnect deadlines stay out of
   * its reach.
   */
  grantRegistryAccess(grantee: iam.IGrantable): iam.Grant {
    const items = this.grantItemFamilies(
      grantee,
      [...ITEM_READ, ...ITEM_WRITE],
      [ITEM_FAMILIES.stream, ITEM_FAMILIES.keyIndex, ITEM_FAMILIES.sequence, ITEM_FAMILIES.event],
    );
    return items.combine(this.grantIndexQueries(grantee));
  }

  /** Webhook endpoints and their delivery log, listed through the indexes — the webhooks API. */
  grantWebhookEndpoints(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, [...ITEM_READ, ...ITEM_WRITE], [ITEM_FAMILIES.webhook]).combine(this.grantIndexQueries(grantee));
  }

  /** Append events to the event log (idempotent puts of `EVENT#` items) — the registry's event consumer. */
  grantAppendEvents(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.event]);
  }

  /** Webhook endpoints, deliveries and attempts (claims are conditional updates), and allocating sequences for `webhook.*` events. */
  grantWebhookDeliveries(grantee: iam.IGrantable): iam.Grant {
    const items = this.grantItemFamilies(grantee, [...ITEM_READ, ...ITEM_WRITE], [ITEM_FAMILIES.webhook]);
    const sequences = this.grantItemFamilies(grantee, ['dynamodb:UpdateItem'], [ITEM_FAMILIES.sequence]);
    return items.combine(sequences).combine(this.grantIndexQueries(grantee));
  }

  /** Query both indexes (each named; never `index/*`). */
  private grantIndexQueries(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: TABLE_SCHEMA.globalSecondaryIndexes.map((index) => this.indexArn(index.indexName)),
    });
  }
}
