/**
 * The pull-job queue construct: encrypted, TLS-only, a dead-letter queue, the two alarms, and the exact
 * least-privilege statements of its two grants (the API sends; the ingest receives, deletes, extends).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PullJobQueue } from '../../lib/constructs/pull-job-queue';
import { testStack } from './support';

function build() {
  const stack = testStack('PullJobsTest');
  const jobs = new PullJobQueue(stack, 'PullJobs');
  const api = new iam.Role(stack, 'Api', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const ingest = new iam.Role(stack, 'Ingest', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  jobs.grantSendJobs(api);
  jobs.grantTakeJobs(ingest);
  return { stack, jobs, template: Template.fromStack(stack) };
}

describe('PullJobQueue', () => {
  it('is encrypted, TLS-only, dead-letters after 10 receives and holds jobs up to 14 days', () => {
    const { template } = build();
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 30,
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 10 },
    });
    template.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } }, 2);
  });

  it('alarms on dead letters and on jobs waiting for a slot, not on the age of held jobs', () => {
    const { template } = build();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Minimum', EvaluationPeriods: 5, Threshold: 0 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum', EvaluationPeriods: 1, Threshold: 0 });
  });

  it('grants the API send only and the ingest receive, delete and visibility changes only', () => {
    const { template } = build();
    const statementsOf = (role: string) => {
      const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${role}`) }] } });
      return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown }> } } }).Properties.PolicyDocument.Statement);
    };
    assert.deepEqual(statementsOf('Api').map((s) => s.Action), ['sqs:SendMessage']);
    assert.deepEqual(statementsOf('Ingest').map((s) => s.Action), [['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage']]);
  });

  it('refuses a visibility timeout that would delay takeover or thrash', () => {
    const stack = testStack('PullJobsBad');
    assert.throws(() => new PullJobQueue(stack, 'Short', { visibilityTimeout: Duration.seconds(2) }), /from 6 seconds to 10 minutes, got 2 seconds/);
  });
});
