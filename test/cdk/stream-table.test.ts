/**
 * The registry table: on-demand, point-in-time recovery, TTL, the shared key schema, and grants that
 * confine each caller to its item families by partition-key prefix.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamTable } from '../../lib/constructs/stream-table';
import { actionsOf, statementsOf, testStack } from './support';

function build(removalPolicy?: RemovalPolicy) {
  const stack = testStack();
  const table = new StreamTable(stack, 'Registry', removalPolicy ? { removalPolicy } : {});
  const role = (name: string) => new iam.Role(stack, name, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const roles = { auth: role('AuthRole'), ingest: role('IngestRole'), failover: role('FailoverRole'), registry: role('RegistryRole'), webhooks: role('WebhooksRole') };
  table.grantResolveStreamKeys(roles.auth);
  table.grantSessionTransitions(roles.auth);
  table.grantSessionTransitions(roles.ingest);
  table.grantWriteHeartbeats(roles.ingest);
  table.grantSessionTransitions(roles.failover);
  table.grantFailoverBookkeeping(roles.failover);
  table.grantRegistryAccess(roles.registry);
  table.grantWebhookEndpoints(roles.webhooks);
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

  it('lets the ingest move its streams and write its heartbeat', () => {
    assert.deepEqual(grantsOf(roles.ingest), [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['dynamodb:UpdateItem'], resource: tableArn, condition: leadingKeys('SEQ#*') },
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
    assert.deepEqual(grants.find((g) => g.actions.includes('dynamodb:Query')), { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: undefined });
  });

  it('keeps the registry to stream-facing items and webhooks to WEBHOOK items', () => {
    const registry = grantsOf(roles.registry);
    assert.deepEqual(registry[0]?.condition, leadingKeys('STREAM#*', 'KEY#*', 'SEQ#*', 'EVENT#*'));
    assert.deepEqual(registry[1], { actions: ['dynamodb:Query'], resource: [indexArn('gsi1'), indexArn('gsi2')], condition: undefined });
    assert.deepEqual(grantsOf(roles.webhooks)[0]?.condition, leadingKeys('WEBHOOK*'));
  });

  it('never grants Scan, table management or item access without a key condition', () => {
    for (const role of Object.values(roles)) {
      for (const grant of grantsOf(role)) {
        assert.ok(!grant.actions.some((a) => /Scan|CreateTable|DeleteTable|UpdateTable|\*/.test(a)), `unexpected action in ${grant.actions.join(', ')}`);
        if (grant.actions.some((a) => a !== 'dynamodb:Query')) assert.ok(grant.condition, `item actions without a key condition: ${grant.actions.join(', ')}`);
      }
    }
  });

  it('refuses an item grant that is not confined to a key prefix, or not an item action', () => {
    assert.throws(() => table.grantItemFamilies(roles.auth, ['dynamodb:GetItem'], []), /at least one key prefix/);
    assert.throws(() => table.grantItemFamilies(roles.auth, ['dynamodb:Scan'], ['STREAM#']), /dynamodb:Scan is not an item action/);
  });
});
