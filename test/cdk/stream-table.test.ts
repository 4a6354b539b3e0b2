/**
 * The registry table: on-demand, point-in-time recovery, TTL, the shared key schema, and grants that
 * confine each caller to its item families by partition-key prefix.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthKeys } from '../../adapters/dynamodb-health-store';
import { NODE_INDEX_PARTITION, nodeKeys } from '../../adapters/dynamodb-node-store';
import { sessionKeys } from '../../adapters/dynamodb-session-store';
import { itemKeys } from '../../adapters/dynamodb-table';
import { INDEX_PARTITIONS, ITEM_FAMILIES, StreamTable } from '../../lib/constructs/stream-table';
import { actionsOf, statementsOf, testStack } from './support';

function build(removalPolicy?: RemovalPolicy) {
  const stack = testStack();
  const table = new StreamTable(stack, 'Registry', removalPolicy ? { removalPolicy } : {});
  const role = (name: string) => new iam.Role(stack, name, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const roles = {
    auth: role('AuthRole'),
    ingest: role('IngestRole'),
    failover: role('FailoverRole'),
    registry: role('RegistryRole'),
    webhooks: role('WebhooksRole'),
    dispatcher: role('DispatcherRole'),
    finalizer: role('FinalizerRole'),
    recordings: role('RecordingsRole'),
    monitorWriter: role('MonitorWriterRole'),
    monitorReader: role('MonitorReaderRole'),
    projector: role('ProjectorRole'),
  };
  table.grantResolveStreamKeys(roles.auth);
  table.grantSessionTransitions(roles.auth);
  table.grantSessionTransitions(roles.ingest);
  table.grantStartRecordings(roles.ingest);
  table.grantWriteHeartbeats(roles.ingest);
  table.grantSessionTransitions(roles.failover);
  table.grantFailoverBookkeeping(roles.failover);
  table.grantRegistryAccess(roles.registry);
  table.grantWebhookEndpoints(roles.webhooks);
  table.grantWebhookDeliveries(roles.dispatcher);
  table.grantFinalizeRecordings(roles.finalizer);
  table.grantRecordingsApi(roles.recordings);
  table.grantWriteMonitoring(roles.monitorWriter);
  table.grantReadMonitoring(roles.monitorReader);
  table.grantAppendEvents(roles.projector);
  table.grantProjectSessions(roles.projector);
  return { stack, table, roles, template: Template.fromStack(stack) };
}

const { stack, table, roles, template } = build();
const tableArn = { 'Fn::GetAtt': [stack.getLogicalId(table.table.node.defaultChild as never), 'Arn'] };
const leadingKeys = (...prefixes: string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes } });
const indexArn = (name: string) => ({ 'Fn::Join': ['', [tableArn, `/index/${name}`]] });

/** The statements of a role reduced to what matters: actions, resources, conditions. */
function grantsOf(role: iam.Role) {
  return statementsOf(template, stack, role).map((s) => ({ actions: actionsOf(s), resource: s.Resource, condition: s.Condition }));
}

describe('StreamTable', () => {
  it('is on-demand with point-in-time recovery, TTL on expiresAt and the shared keys and indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }),
        Match.objectLike({ IndexName: 'gsi2', KeySchema: [{ AttributeName: 'gsi2pk', KeyType: 'HASH' }, { AttributeName: 'gsi2sk', KeyType: 'RANGE' }] }),
      ],
      DeletionProtectionEnabled: true,
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('is deleted with the stack, unprotected, when the removal policy says destroy', () => {
    const destroyed = build(RemovalPolicy.DESTROY).template;
    destroyed.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    destroyed.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  it('lets the auth hook resolve keys and move streams, and nothing else', () => {
    assert.deepEqual(grantsOf(roles.auth), [
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('KEY#*', 'STREAM#*') },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['dynamodb:UpdateItem'], resource: tableArn, condition: leadingKeys('SEQ#*') },
    ]);
  });

  it('lets the ingest move its streams, start their recordings and write its heartbeat', () => {
    assert.deepEqual(grantsOf(roles.ingest), [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['dynamodb:UpdateItem'], resource: tableArn, condition: leadingKeys('SEQ#*') },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('REC#*') },
      { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('HEARTBEAT#*') },
    ]);
  });

  it('lets the failover keep heartbeats and deadlines and list them through gsi1 only', () => {
    const grants = grantsOf(roles.failover);
    assert.deepEqual(grants.find((g) => g.condition && JSON.stringify(g.condition).includes('HEARTBEAT')), {
      actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
      resource: tableArn,
      condition: leadingKeys('HEARTBEAT#*', 'RECONNECT#*'),
    });
    assert.deepEqual(grants.find((g) => g.actions.includes('dynamodb:Query')), {
      actions: ['dynamodb:Query'],
      resource: indexArn('gsi1'),
      condition: leadingKeys('HEARTBEATS', 'RECONNECT_DEADLINES', 'HEARTBEATS#*', 'RECONNECT_DEADLINES#*'),
    });
  });

  it('keeps the registry to stream-facing items, and its index reads to the stream list and the event log', () => {
    assert.deepEqual(grantsOf(roles.registry), [
      {
        actions: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resource: tableArn,
        condition: leadingKeys('STREAM#*', 'KEY#*', 'SEQ#*', 'EVENT#*'),
      },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: leadingKeys('STREAMS', 'STREAMS#*', 'EVENTS#*') },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi2'), condition: leadingKeys('EVENTS', 'EVENTS#*') },
    ]);
  });

  it('lets the webhooks API manage WEBHOOK items and query their partitions, in the table and in gsi1 only', () => {
    assert.deepEqual(grantsOf(roles.webhooks), [
      // Query on the table itself: one delivery's attempts are read from the endpoint's partition.
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        resource: tableArn,
        condition: leadingKeys('WEBHOOK*'),
      },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: leadingKeys('WEBHOOK*') },
    ]);
  });

  it('lets the dispatcher claim and log deliveries and list endpoints, and touch no sequence counter (stream-less sequences need none)', () => {
    assert.deepEqual(grantsOf(roles.dispatcher), [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: tableArn, condition: leadingKeys('WEBHOOK*') },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: leadingKeys('WEBHOOKS', 'WEBHOOKS#*') },
    ]);
  });

  it('lets the finalizer keep recording records, read streams and allocate sequences, nothing more', () => {
    assert.deepEqual(grantsOf(roles.finalizer), [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('REC#*') },
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['dynamodb:UpdateItem'], resource: tableArn, condition: leadingKeys('SEQ#*') },
    ]);
  });

  it('lets the recordings API read, mark and delete recordings, list a stream\'s through gsi1, and read streams', () => {
    assert.deepEqual(grantsOf(roles.recordings), [
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('REC#*') },
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: leadingKeys('RECS#*') },
    ]);
  });

  it('lets the ingest write health, session statistics and node reports (reading statistics back), nothing else of monitoring', () => {
    assert.deepEqual(grantsOf(roles.monitorWriter), [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('HEALTH#*', 'SESSION#*', 'NODE#*') },
    ]);
  });

  it('lets the monitoring API read health, sessions and nodes, and list sessions and nodes through gsi1 only', () => {
    assert.deepEqual(grantsOf(roles.monitorReader), [
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('HEALTH#*', 'SESSION#*', 'NODE#*') },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: leadingKeys('SESSIONS#*', 'NODES', 'NODES#*') },
    ]);
  });

  it('lets the event consumer append events and project session records, by read and conditional put', () => {
    assert.deepEqual(grantsOf(roles.projector), [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('EVENT#*') },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('SESSION#*') },
    ]);
  });

  it('names the monitoring item families and index partitions as the health, session and node stores key them', () => {
    const matches = (key: string, pattern: string) => (pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern);
    assert.ok(healthKeys.item('st_x').pk.startsWith(ITEM_FAMILIES.health));
    assert.ok(sessionKeys.record('ses_x').pk.startsWith(ITEM_FAMILIES.session));
    assert.ok(sessionKeys.stats('ses_x').pk.startsWith(ITEM_FAMILIES.session), 'statistics live in the session family too');
    assert.ok(nodeKeys.item('node-a').pk.startsWith(ITEM_FAMILIES.node));
    assert.ok(matches(sessionKeys.index('st_x', '2026-01-01T00:00:00.000Z', 'ses_x').gsi1pk, INDEX_PARTITIONS.streamSessions));
    assert.ok(!matches(sessionKeys.index('st_x', '2026-01-01T00:00:00.000Z', 'ses_x').gsi1pk, INDEX_PARTITIONS.streamRecordings), 'session listings are not recording listings');
    assert.ok(matches(nodeKeys.index('node-a').gsi1pk, INDEX_PARTITIONS.nodeShards), 'node reports are listed through the NODES shards');
    assert.equal(NODE_INDEX_PARTITION, INDEX_PARTITIONS.nodes);
  });

  it('spells index partitions as the adapters do', () => {
    assert.ok(`${itemKeys.eventStreamPartition('st_x')}`.startsWith(INDEX_PARTITIONS.streamEvents.slice(0, -1)));
    assert.deepEqual(
      [INDEX_PARTITIONS.streamList, INDEX_PARTITIONS.eventsByTime, INDEX_PARTITIONS.webhookEndpoints, INDEX_PARTITIONS.streamRecordings],
      ['STREAMS', 'EVENTS', 'WEBHOOKS', 'RECS#*'],
    );
  });

  it('never grants Scan, table management, or any access (queries included) without a key condition', () => {
    for (const role of Object.values(roles)) {
      for (const grant of grantsOf(role)) {
        assert.ok(!grant.actions.some((a) => /Scan|CreateTable|DeleteTable|UpdateTable|\*/.test(a)), `unexpected action in ${grant.actions.join(', ')}`);
        assert.ok(JSON.stringify(grant.condition ?? {}).includes('dynamodb:LeadingKeys'), `no key condition on ${grant.actions.join(', ')}`);
        assert.ok(!JSON.stringify(grant.resource).includes('index/*'), 'indexes are named');
      }
    }
  });

  it('refuses an item grant that is not confined to a key prefix, or not an item action', () => {
    assert.throws(() => table.grantItemFamilies(roles.auth, ['dynamodb:GetItem'], []), /at least one key prefix/);
    assert.throws(() => table.grantItemFamilies(roles.auth, ['dynamodb:Scan'], ['STREAM#']), /dynamodb:Scan is not an item action/);
    assert.throws(() => table.grantItemKeys(roles.auth, ['dynamodb:Query'], ['SEQ#-']), /dynamodb:Query is not an item action/);
    assert.throws(() => table.grantIndexQuery(roles.auth, 'gsi1', []), /at least one partition of gsi1/);
    assert.throws(() => table.grantIndexQuery(roles.auth, 'gsi9', ['X']), /no index named "gsi9"/);
  });
});
