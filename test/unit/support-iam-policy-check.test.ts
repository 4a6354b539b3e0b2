/**
 * The IAM evaluator the bundle test relies on (test/support/iam-policy-check.ts): it must refuse what a
 * policy does not allow — another action, a resource outside the wildcard, a leading key outside the
 * family, an unmodelled condition operator — or the bundle test would pass vacuously.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowingStatement, iamLike, resolverFor, roleStatements, type Resources } from '../support/iam-policy-check';
import { dynamoCalls, s3Calls } from '../support/aws-call-recorder';

const resources: Resources = {
  Table: { Type: 'AWS::DynamoDB::Table' },
  Bucket: { Type: 'AWS::S3::Bucket' },
  Role: { Type: 'AWS::IAM::Role' },
  Policy: {
    Type: 'AWS::IAM::Policy',
    Properties: {
      Roles: [{ Ref: 'Role' }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: { 'Fn::GetAtt': ['Table', 'Arn'] }, Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REC#*'] } } },
          { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/recordings/*']] } },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': ['Bucket', 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['recordings/*'] } } },
          { Effect: 'Allow', Action: 'ecs:RunTask', Resource: '*', Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '1' } } },
        ],
      },
    },
  },
};
const resolve = resolverFor(resources, { Table: 'table', Bucket: 'media' });
const statements = roleStatements(resources, 'Role', resolve);
const allowed = (call: Parameters<typeof allowingStatement>[1]) => allowingStatement(statements, call) !== undefined;

describe('IAM policy check (test support)', () => {
  it('allows a call inside action, resource and leading-key family', () => {
    for (const call of dynamoCalls('DynamoDB_20120810.GetItem', { TableName: 'table', Key: { pk: { S: 'REC#rec_1' }, sk: { S: 'REC' } } })) assert.ok(allowed(call));
    for (const call of s3Calls('GET', new URL('http://x/media/recordings/rec_1/manifest.json'), {}, '')) assert.ok(allowed(call));
    for (const call of s3Calls('GET', new URL('http://x/media?list-type=2&prefix=recordings%2Frec_1%2F'), {}, '')) assert.ok(allowed(call));
  });

  it('refuses another action, another partition family, another prefix, another bucket, and unmodelled conditions', () => {
    assert.ok(!allowed(dynamoCalls('DynamoDB_20120810.DeleteItem', { TableName: 'table', Key: { pk: { S: 'REC#rec_1' } } })[0]!));
    assert.ok(!allowed(dynamoCalls('DynamoDB_20120810.GetItem', { TableName: 'table', Key: { pk: { S: 'STREAM#st_1' } } })[0]!));
    assert.ok(!allowed(dynamoCalls('DynamoDB_20120810.Query', { TableName: 'table', IndexName: 'gsi1', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'gsi1pk' }, ExpressionAttributeValues: { ':p': { S: 'REC#x' } } })[0]!), 'an index is another resource');
    assert.ok(!allowed(s3Calls('GET', new URL('http://x/media/live/st_1/master.m3u8'), {}, '')[0]!));
    assert.ok(!allowed(s3Calls('GET', new URL('http://x/media?list-type=2&prefix=live%2F'), {}, '')[0]!));
    assert.ok(!allowed(s3Calls('PUT', new URL('http://x/media/recordings/rec_1/recording.mp4'), {}, '')[0]!));
    assert.ok(!allowed(s3Calls('GET', new URL('http://x/other/recordings/rec_1/a.ts'), {}, '')[0]!));
    assert.ok(!allowed({ action: 'ecs:RunTask', resource: 'arn:aws:ecs:us-east-1:123456789012:task-definition/x:1', context: {} }));
  });

  it('maps a transaction to the item actions IAM checks, and a batch delete to one DeleteObject per key', () => {
    const calls = dynamoCalls('DynamoDB_20120810.TransactWriteItems', { TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'A#1' } } } }, { Update: { TableName: 't', Key: { pk: { S: 'B#2' } } } }] });
    assert.deepEqual(calls.map((c) => [c.action, c.context['dynamodb:LeadingKeys']]), [['dynamodb:PutItem', ['A#1']], ['dynamodb:UpdateItem', ['B#2']]]);
    const deletes = s3Calls('POST', new URL('http://x/media?delete'), {}, '<Delete><Object><Key>recordings/a</Key></Object><Object><Key>recordings/b</Key></Object></Delete>');
    assert.deepEqual(deletes.map((c) => [c.action, c.resource]), [['s3:DeleteObject', 'arn:aws:s3:::media/recordings/a'], ['s3:DeleteObject', 'arn:aws:s3:::media/recordings/b']]);
  });

  it('matches IAM wildcards', () => {
    assert.ok(iamLike('REC#*', 'REC#rec_1'));
    assert.ok(!iamLike('REC#*', 'STREAM#x'));
    assert.ok(iamLike('dynamodb:get*', 'dynamodb:GetItem', true));
    assert.ok(iamLike('a?c', 'abc') && !iamLike('a?c', 'abbc'));
  });
});
