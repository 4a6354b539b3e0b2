/**
 * The plane's one DynamoDB table (single-table design), built from the schema the adapters share
 * (adapters/dynamodb-table.ts), so the cloud table and the local one cannot drift apart. On-demand,
 * point-in-time recovery, TTL on `expiresAt` for ephemeral items (events, heartbeats, reconnect
 * deadlines).
 *
 * Access is granted by intent and narrowed to item families with `dynamodb:LeadingKeys` (the partition
 * key prefixes spelled in the adapters), so e.g. the publish-auth hook can resolve keys and move a stream
 * through its session states but can never touch webhooks, heartbeats or the event log. Index queries are
 * narrowed the same way to the index partitions each caller lists (on an index, the leading key is the
 * index's partition key), so e.g. the webhooks API can list endpoints but not streams or recordings.
 *
 * Must never: grant Scan, table-level management actions, or any item access or query without a
 * `dynamodb:LeadingKeys` condition.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HEARTBEAT_INDEX_PARTITION, HEARTBEAT_PARTITION_PREFIX } from '../../adapters/dynamodb-ingest-heartbeats';
import { RECONNECT_DEADLINE_INDEX_PARTITION, RECONNECT_DEADLINE_PARTITION_PREFIX } from '../../adapters/dynamodb-reconnect-deadlines';
import { RECORDING_ITEM_PREFIX, recordingKeys } from '../../adapters/dynamodb-recording-store';
import { GSI1_NAME, GSI2_NAME, itemKeys, TABLE_SCHEMA } from '../../adapters/dynamodb-table';
import { webhookKeys } from '../../adapters/dynamodb-webhook-store';
import { MEDIA_ITEM_PREFIX, mediaKeys } from '../../adapters/dynamodb-media-store';
import { OUTPUT_LEASE_PARTITION_PREFIX } from '../../adapters/dynamodb-output-lease';
import { CELL_COUNT_PARTITION_PREFIX } from '../../adapters/dynamodb-cell-counts';

/** Partition-key prefixes of the item families (see adapters/dynamodb-table.ts for the layout). */
/** The partition of playback keys and revocations (adapters/dynamodb-playback-key-store.ts). */
export const PLAYBACK_PARTITION = 'PLAYBACK';

export const ITEM_FAMILIES = {
  stream: 'STREAM#',
  keyIndex: 'KEY#',
  sequence: 'SEQ#',
  event: 'EVENT#',
  /** Recording records (see adapters/dynamodb-recording-store.ts). */
  recording: RECORDING_ITEM_PREFIX,
  /** Endpoints, deliveries and attempts all start with WEBHOOK (see adapters/dynamodb-webhook-store.ts). */
  webhook: 'WEBHOOK',
  heartbeat: HEARTBEAT_PARTITION_PREFIX,
  reconnectDeadline: RECONNECT_DEADLINE_PARTITION_PREFIX,
  /** Latest health report per stream (adapters/dynamodb-health-store.ts). */
  health: 'HEALTH#',
  /** Session records and statistics (adapters/dynamodb-session-store.ts). */
  session: 'SESSION#',
  /** Ingest node reports (adapters/dynamodb-node-store.ts). */
  node: 'NODE#',
  /** Simulcast targets, keys only as KMS ciphertext (adapters/dynamodb-simulcast-target-store.ts). */
  simulcastTarget: 'SIMULCAST#',
  /** Media library items (adapters/dynamodb-media-store.ts). */
  media: MEDIA_ITEM_PREFIX,
  /** Output leases: which task writes a stream's playlists (adapters/dynamodb-output-lease.ts). */
  outputLease: OUTPUT_LEASE_PARTITION_PREFIX,
  /** Streams per ingest cell, one counter item per cell (adapters/dynamodb-cell-counts.ts). */
  cellCount: CELL_COUNT_PARTITION_PREFIX,
} as const;

/**
 * Index partitions (gsi1pk / gsi2pk values) each reader queries, as `dynamodb:LeadingKeys` patterns: on a
 * Query of an index the leading key is the index's partition key, so a grant on an index names the
 * partitions it may read, not just the index.
 */
export const INDEX_PARTITIONS = {
  /** gsi1 `STREAMS`: the stream list as written before sharding (still read until rewritten). */
  streamList: itemKeys.streamListPartition.legacy,
  /** gsi1 `STREAMS#<nn>`: the stream list's shards (adapters/dynamodb-shards.ts). */
  streamListShards: `${itemKeys.streamListPartition.legacy}#*`,
  /** gsi1 `EVENTS#<streamId|->`: one stream's events by sequence. */
  streamEvents: `${itemKeys.eventStreamPartition('')}*`,
  /** gsi2 `EVENTS`: every event by time, as written before sharding. */
  eventsByTime: itemKeys.eventTimePartition.legacy,
  /** gsi2 `EVENTS#<nn>`: its shards. */
  eventsByTimeShards: `${itemKeys.eventTimePartition.legacy}#*`,
  /** gsi1 `HEARTBEATS` and `RECONNECT_DEADLINES`: what the failover sweeps. */
  heartbeats: HEARTBEAT_INDEX_PARTITION,
  reconnectDeadlines: RECONNECT_DEADLINE_INDEX_PARTITION,
  heartbeatShards: `${HEARTBEAT_INDEX_PARTITION}#*`,
  reconnectDeadlineShards: `${RECONNECT_DEADLINE_INDEX_PARTITION}#*`,
  /** gsi1 `WEBHOOKS`: the endpoint list. */
  webhookEndpoints: webhookKeys.endpointListPartition.legacy,
  webhookEndpointShards: `${webhookKeys.endpointListPartition.legacy}#*`,
  /** gsi1 `WEBHOOKS` and `WEBHOOK#<id>#ATTEMPTS`: endpoints and their attempt logs. */
  webhooks: 'WEBHOOK*',
  /** gsi1 `SESSIONS#<streamId>`: a stream's sessions. */
  streamSessions: 'SESSIONS#*',
  /** gsi1 `NODES`: the ingest node list. */
  nodes: 'NODES',
  nodeShards: 'NODES#*',
  /** gsi1 `RECS#<streamId>`: a stream's recordings. */
  streamRecordings: `${recordingKeys.streamPartition('')}*`,
  /** gsi1 `MEDIA`: the media library, newest first. */
  mediaLibrary: mediaKeys.listPartition.legacy,
  mediaLibraryShards: `${mediaKeys.listPartition.legacy}#*`,
} as const;


const ITEM_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'];
const ITEM_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
const ITEM_ACTION = /^dynamodb:(GetItem|BatchGetItem|PutItem|UpdateItem|DeleteItem|ConditionCheckItem)$/;

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
    return this.grantItems(grantee, actions, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) } });
  }

  /** Item actions on exactly these partitions (e.g. the one `SEQ#-` counter), not on a family. */
  grantItemKeys(grantee: iam.IGrantable, actions: ReadonlyArray<string>, partitionKeys: ReadonlyArray<string>): iam.Grant {
    if (partitionKeys.length === 0) throw new Error('StreamTable.grantItemKeys: expected at least one partition key.');
    return this.grantItems(grantee, actions, { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...partitionKeys] } });
  }

  /** Query the base table, within partitions whose key starts with one of `prefixes`. */
  grantFamilyQueries(grantee: iam.IGrantable, prefixes: ReadonlyArray<string>): iam.Grant {
    if (prefixes.length === 0) throw new Error('StreamTable.grantFamilyQueries: expected at least one key prefix.');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) } },
    });
  }

  /**
   * Query one index (named; never `index/*`), within the index partitions matching `partitions`
   * (`dynamodb:LeadingKeys` patterns, see INDEX_PARTITIONS).
   */
  grantIndexQuery(grantee: iam.IGrantable, indexName: string, partitions: ReadonlyArray<string>): iam.Grant {
    if (partitions.length === 0) throw new Error(`StreamTable.grantIndexQuery: expected at least one partition of ${indexName}.`);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [this.indexArn(indexName)],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions] } },
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

  /** Project `output.changed` onto the stream item (`output`): read it, replace it conditionally. */
  grantProjectOutput(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.stream]);
  }

  /** The ingest cells' stream counters: read, and updated (conditionally) on stream create and delete. */
  grantCellCounts(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [ITEM_FAMILIES.cellCount]);
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
    return items.combine(this.grantIndexQuery(grantee, GSI1_NAME, [INDEX_PARTITIONS.heartbeats, INDEX_PARTITIONS.reconnectDeadlines, INDEX_PARTITIONS.heartbeatShards, INDEX_PARTITIONS.reconnectDeadlineShards]));
  }

  /**
   * The stream registry (control API) owns the stream-facing items — streams, key index, sequences and the
   * event log — and lists streams and events through the indexes. Webhooks, recordings, heartbeats and
   * reconnect deadlines stay out of its reach.
   */
  grantRegistryAccess(grantee: iam.IGrantable): iam.Grant {
    const items = this.grantItemFamilies(
      grantee,
      [...ITEM_READ, ...ITEM_WRITE],
      [ITEM_FAMILIES.stream, ITEM_FAMILIES.keyIndex, ITEM_FAMILIES.sequence, ITEM_FAMILIES.event],
    );
    return items
      .combine(this.grantIndexQuery(grantee, GSI1_NAME, [INDEX_PARTITIONS.streamList, INDEX_PARTITIONS.streamListShards, INDEX_PARTITIONS.streamEvents]))
      .combine(this.grantIndexQuery(grantee, GSI2_NAME, [INDEX_PARTITIONS.eventsByTime, INDEX_PARTITIONS.eventsByTimeShards]));
  }

  /**
   * The webhooks API: endpoints (create, read, update, delete), deliveries (read), and the attempt log —
   * one delivery's attempts straight from the endpoint's partition, all of an endpoint's through gsi1.
   */
  grantWebhookEndpoints(grantee: iam.IGrantable): iam.Grant {
    const items = this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [ITEM_FAMILIES.webhook]);
    return items
      .combine(this.grantFamilyQueries(grantee, [ITEM_FAMILIES.webhook]))
      .combine(this.grantIndexQuery(grantee, GSI1_NAME, [INDEX_PARTITIONS.webhooks]));
  }

  /** Append events to the event log (idempotent puts of `EVENT#` items) — the registry's event consumer. */
  /** The ingest's monitoring writes: health reports, session statistics, its node report (puts only). */
  grantWriteMonitoring(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.health, ITEM_FAMILIES.session, ITEM_FAMILIES.node]);
  }

  /** The control API's monitoring reads: health, sessions (one, and a stream's through gsi1), the node list. */
  grantReadMonitoring(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem'], [ITEM_FAMILIES.health, ITEM_FAMILIES.session, ITEM_FAMILIES.node]).combine(
      this.grantIndexQuery(grantee, GSI1_NAME, [INDEX_PARTITIONS.streamSessions, INDEX_PARTITIONS.nodes, INDEX_PARTITIONS.nodeShards]),
    );
  }

  /**
   * Simulcast targets. `manage`: the simulcast API (create, change, delete, list). `relay`: the ingest
   * (list a live stream's targets, write their status). `cleanup`: the simulcast cleanup consumer (list a
   * deleted stream's targets, delete them).
   */
  grantSimulcastTargets(grantee: iam.IGrantable, access: 'manage' | 'relay' | 'cleanup'): iam.Grant {
    const actions = access === 'manage' ? ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] : access === 'cleanup' ? ['dynamodb:DeleteItem'] : ['dynamodb:UpdateItem'];
    return this.grantItemFamilies(grantee, actions, [ITEM_FAMILIES.simulcastTarget]).combine(this.grantFamilyQueries(grantee, [ITEM_FAMILIES.simulcastTarget]));
  }

  /** Read stream items only (the simulcast API checks the stream exists). */
  grantReadStreamItems(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem'], [ITEM_FAMILIES.stream]);
  }

  /** The registry's event consumer projects session events onto session records (conditional puts). */
  grantProjectSessions(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.session]);
  }

  grantAppendEvents(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.event]);
  }

  /**
   * The webhook dispatcher: endpoints, deliveries and attempts (claims and completions are conditional
   * updates, attempts are puts) and the endpoint list through gsi1. Its one event (`webhook.disabled`) has
   * no stream, so its sequence needs no counter (adapters/dynamodb-streamless-sequence.ts) — no `SEQ#` grant.
   */
  grantWebhookDeliveries(grantee: iam.IGrantable): iam.Grant {
    const items = this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [ITEM_FAMILIES.webhook]);
    return items.combine(this.grantIndexQuery(grantee, GSI1_NAME, [INDEX_PARTITIONS.webhookEndpoints, INDEX_PARTITIONS.webhookEndpointShards]));
  }

  /** Create and advance the recording of a session (the ingest, when its first segment is stored). */
  grantStartRecordings(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.recording]);
  }

  /**
   * The recording finalizer: its recording records (conditional puts), the stream (is the session still
   * open?), and sequence numbers for `recording.*` events.
   */
  grantFinalizeRecordings(grantee: iam.IGrantable): iam.Grant {
    const records = this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.recording]);
    const streams = this.grantItemFamilies(grantee, ['dynamodb:GetItem'], [ITEM_FAMILIES.stream]);
    const sequences = this.grantItemFamilies(grantee, ['dynamodb:UpdateItem'], [ITEM_FAMILIES.sequence]);
    return records.combine(streams).combine(sequences);
  }

  /**
   * The recordings API: read, mark and delete recording records, list a stream's recordings through gsi1,
   * and read the stream (a listing of a stream that never existed is a 404).
   */
  grantRecordingsApi(grantee: iam.IGrantable): iam.Grant {
    const records = this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], [ITEM_FAMILIES.recording]);
    const streams = this.grantItemFamilies(grantee, ['dynamodb:GetItem'], [ITEM_FAMILIES.stream]);
    return records.combine(streams).combine(this.grantIndexQuery(grantee, GSI1_NAME, [INDEX_PARTITIONS.streamRecordings]));
  }

  /**
   * The media API: create, read and delete library items, list them through gsi1, and list streams
   * (gsi1 `STREAMS`) to refuse deleting an item a fallback or slate still uses.
   */
  grantMediaApi(grantee: iam.IGrantable): iam.Grant {
    const items = this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], [ITEM_FAMILIES.media]);
    return items.combine(this.grantIndexQuery(grantee, GSI1_NAME, [INDEX_PARTITIONS.mediaLibrary, INDEX_PARTITIONS.mediaLibraryShards, INDEX_PARTITIONS.streamList, INDEX_PARTITIONS.streamListShards]));
  }

  /** Read library items by id: the registry checks a stream's fallback and slate ids. */
  grantReadMedia(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem'], [ITEM_FAMILIES.media]);
  }

  /** Hold output leases (ingest tasks): read, and replace with a write conditional on the revision read. */
  grantHoldOutputLeases(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.outputLease]);
  }

  /** Who holds a stream's output (the channel-job producer): read only. */
  grantReadOutputLeases(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem'], [ITEM_FAMILIES.outputLease]);
  }

  /** Read stream items and page through the stream list (gsi1 `STREAMS` and its shards), nothing else of the registry. */
  grantListStreams(grantee: iam.IGrantable): iam.Grant {
    return this.grantReadStreamItems(grantee).combine(this.grantIndexQuery(grantee, GSI1_NAME, [INDEX_PARTITIONS.streamList, INDEX_PARTITIONS.streamListShards]));
  }

  /** Settle uploads (the probe worker): read an item and replace it with a conditional write. Its events have no stream, so no sequence counter. */
  grantSettleMedia(grantee: iam.IGrantable): iam.Grant {
    const items = this.grantItemFamilies(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem'], [ITEM_FAMILIES.media]);
    return items;
  }

  /** Playback keys and revocations (partition PLAYBACK): the playback API writes them, playback-auth reads. */
  grantPlaybackKeys(grantee: iam.IGrantable, options: { write: boolean }): iam.Grant {
    const actions = options.write ? ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'] : ['dynamodb:GetItem'];
    return this.grantItemKeys(grantee, actions, [PLAYBACK_PARTITION]).combine(this.grantFamilyQueries(grantee, [PLAYBACK_PARTITION]));
  }

  /** What playback-auth and the edge sync read to decide a policy: streams and recordings, nothing else. */
  grantReadPlaybackPolicies(grantee: iam.IGrantable): iam.Grant {
    return this.grantItemFamilies(grantee, ['dynamodb:GetItem'], [ITEM_FAMILIES.stream, ITEM_FAMILIES.recording]);
  }

  private grantItems(grantee: iam.IGrantable, actions: ReadonlyArray<string>, conditions: Record<string, Record<string, unknown>>): iam.Grant {
    for (const action of actions) {
      if (!ITEM_ACTION.test(action)) {
        throw new Error(`StreamTable: ${action} is not an item action; expected GetItem, BatchGetItem, PutItem, UpdateItem, DeleteItem or ConditionCheckItem.`);
      }
    }
    return iam.Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [this.table.tableArn], conditions });
  }
}
