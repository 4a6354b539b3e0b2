/**
 * Lambda conventions and the control API: every function is bundled by the local esbuild for the newest
 * Node.js runtime on arm64 with its own log group and a role without managed policies; the HTTP API sends
 * routes to the right function, throttles, and access-logs without headers.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlApi } from '../../lib/constructs/control-api';
import { PlaneFunction } from '../../lib/constructs/plane-function';
import { FIXTURE_ENTRY, statementsOf, testStack } from './support';

const stack = testStack();
const registry = new PlaneFunction(stack, 'Registry', { entry: FIXTURE_ENTRY, serviceName: 'stream-registry', description: 'API', environment: { TABLE_NAME: 't' } });
const webhooks = new PlaneFunction(stack, 'Webhooks', { entry: FIXTURE_ENTRY, serviceName: 'webhooks-api', description: 'webhooks' });
const recordings = new PlaneFunction(stack, 'Recordings', { entry: FIXTURE_ENTRY, serviceName: 'recordings-api', description: 'recordings' });
const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
registry.grantInvokeLatest(caller);
const api = new ControlApi(stack, 'Api', {
  handler: registry.function,
  routes: [
    { path: '/v1/webhooks', handler: webhooks.function },
    { path: '/v1/recordings', handler: recordings.function },
    { path: '/v1/streams/{id}/recordings', handler: recordings.function, subpaths: false },
  ],
});
const template = Template.fromStack(stack);
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

describe('PlaneFunction', () => {
  it('runs on the newest Node.js runtime on arm64 with Powertools configured', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ POWERTOOLS_METRICS_NAMESPACE: 'Streamplane', NODE_OPTIONS: '--enable-source-maps' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'stream-registry', TABLE_NAME: 't' }) },
      LoggingConfig: { LogGroup: { Ref: id(registry.logGroup) } },
    });
  });

  it('has a role with no managed policy that may only write its own log group', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    assert.deepEqual(statementsOf(template, stack, registry.role), [
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(registry.logGroup), 'Arn'] } },
    ]);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('grants invoking the function itself, without versions or aliases', () => {
    assert.deepEqual(statementsOf(template, stack, caller), [
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(registry.function), 'Arn'] } },
    ]);
  });

  it('refuses an entry that does not exist', () => {
    assert.throws(() => new PlaneFunction(testStack(), 'F', { entry: '/nope/handler.ts', serviceName: 'x', description: 'd' }), /entry \/nope\/handler.ts does not exist/);
  });
});

describe('ControlApi', () => {
  it('sends every route to the registry except /v1/webhooks… and the recordings paths, which go to their functions', () => {
    const integrationOf = (fn: PlaneFunction) =>
      Object.entries(template.findResources('AWS::ApiGatewayV2::Integration')).find(([, r]) => JSON.stringify(r.Properties.IntegrationUri).includes(id(fn.function)))?.[0];
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey, JSON.stringify(r.Properties.Target)]);
    const target = (fn: PlaneFunction) => routes.filter(([, t]) => t?.includes(integrationOf(fn) ?? '?')).map(([key]) => key).sort();
    assert.deepEqual(target(registry), ['$default']);
    assert.deepEqual(target(webhooks), ['ANY /v1/webhooks', 'ANY /v1/webhooks/{proxy+}']);
    assert.deepEqual(target(recordings), ['ANY /v1/recordings', 'ANY /v1/recordings/{proxy+}', 'ANY /v1/streams/{id}/recordings']);
    // One integration per function, whatever the number of its routes.
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 3);
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('throttles and access-logs the stage without any header', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [id(api.accessLogs), 'Arn'] }, Format: Match.stringLikeRegexp('\\$context.requestId') },
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const format = String((stage?.Properties.AccessLogSettings as { Format: string }).Format);
    assert.doesNotMatch(format, /header|authorization|body/i);
  });

  it('refuses a route path it would not route correctly', () => {
    assert.throws(() => new ControlApi(testStack(), 'A', { handler: registry.function, routes: [{ path: 'v1/webhooks/', handler: webhooks.function }] }), /route path "v1\/webhooks\/" is not valid/);
    assert.throws(() => new ControlApi(testStack(), 'B', { handler: registry.function, routes: [{ path: '/v1/{proxy+}', handler: webhooks.function }] }), /route path "\/v1\/\{proxy\+\}" is not valid/);
  });
});
