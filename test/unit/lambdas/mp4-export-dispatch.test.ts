/**
 * The MP4 export dispatch (no local ECS exists, so RunTask is mocked with aws-sdk-client-mock): each job
 * becomes exactly one RunTask of the export task definition with the recording as the container's
 * environment override and the message id as client token; RunTask failures come back as batch item
 * failures; on the last receive the export is marked failed instead; unreadable jobs are refused.
 */
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { EcsExportTasks, ExportTaskStartError } from '../../../adapters/ecs-export-tasks';
import { newId } from '../../../core/ids';
import type { Clock } from '../../../core/ports/clock';
import type { Recording } from '../../../core/recordings/recording';
import { recordingIdFor } from '../../../core/recordings/recording';
import { createMp4ExportDispatchHandler } from '../../../lambdas/mp4-export-dispatch/handler';
import { loadMp4ExportDispatchConfig } from '../../../lambdas/mp4-export-dispatch/config';
import { MemoryRecordingStore } from '../../support/memory-recording-store';

const ecs = mockClient(ECSClient);
const context = {} as Context;
const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/streamplane';
const TASK_DEF = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/StreamplaneMp4Export:7';
const TASK = 'arn:aws:ecs:eu-west-1:123456789012:task/streamplane/0123456789abcdef';

function job(messageId: string, body: unknown, receiveCount = 1) {
  return { messageId, body: typeof body === 'string' ? body : JSON.stringify(body), attributes: { ApproximateReceiveCount: String(receiveCount) } } as unknown as SQSEvent['Records'][number];
}

describe('MP4 export dispatch', () => {
  let recordings: MemoryRecordingStore;
  let recordingId: string;
  const clock: Clock = { now: () => new Date('2026-12-01T12:00:00Z') };
  const tasks = () =>
    new EcsExportTasks({ cluster: CLUSTER, taskDefinition: TASK_DEF, containerName: 'mp4-export', subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], securityGroups: ['sg-0123456789abcdef0'], client: new ECSClient({ region: 'eu-west-1' }) });
  const handler = () => createMp4ExportDispatchHandler({ tasks: tasks(), recordings, clock, maxReceiveCount: 3 });

  beforeEach(async () => {
    ecs.reset();
    recordings = new MemoryRecordingStore();
    const sessionId = newId('session');
    recordingId = recordingIdFor(sessionId);
    const now = clock.now().toISOString();
    const recording: Recording = { id: recordingId, streamId: newId('stream'), sessionId, status: 'ready', createdAt: now, updatedAt: now, mp4: { status: 'pending', requestedAt: now, updatedAt: now }, version: 0 } as Recording;
    await recordings.create(recording);
  });

  it('starts one Fargate task of the export task definition per job, the recording as its only override, the message id as client token', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }], failures: [] });

    const result = await handler()({ Records: [job('m-1', { recordingId })] }, context);

    assert.deepEqual(result.batchItemFailures, []);
    const calls = ecs.commandCalls(RunTaskCommand);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]?.args[0].input, {
      cluster: CLUSTER,
      taskDefinition: TASK_DEF,
      launchType: 'FARGATE',
      count: 1,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], securityGroups: ['sg-0123456789abcdef0'], assignPublicIp: 'ENABLED' } },
      overrides: { containerOverrides: [{ name: 'mp4-export', environment: [{ name: 'STREAMPLANE_EXPORT_RECORDING_ID', value: recordingId }] }] },
      startedBy: 'streamplane-mp4-export',
      clientToken: 'm-1',
    });
    assert.equal((await recordings.get(recordingId))?.mp4?.status, 'pending', 'the task records the outcome, not the dispatcher');
  });

  it('hands a job back when RunTask starts no task (capacity) or throws (throttled), and names the reason', async () => {
    ecs.on(RunTaskCommand).resolvesOnce({ tasks: [], failures: [{ reason: 'RESOURCE:ENI', detail: 'no ENI' }] }).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await assert.rejects(tasks().launch(recordingId, 'x'), (err: unknown) => err instanceof ExportTaskStartError && /RESOURCE:ENI \(no ENI\)/.test(err.message));
    const result = await handler()({ Records: [job('m-2', { recordingId })] }, context);

    assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: 'm-2' }]);
    assert.equal((await recordings.get(recordingId))?.mp4?.status, 'pending');
  });

  it('on the last receive marks the export failed (the user sees it and may ask again) and lets the message go', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'Capacity is unavailable at this time' }] });

    const result = await handler()({ Records: [job('m-3', { recordingId }, 3)] }, context);

    assert.deepEqual(result.batchItemFailures, []);
    const mp4 = (await recordings.get(recordingId))?.mp4;
    assert.equal(mp4?.status, 'failed');
    assert.equal(mp4?.status === 'failed' ? mp4.error : undefined, 'the export task could not be started');
  });

  it('refuses unreadable jobs (they reach the dead-letter queue) without starting anything, and still dispatches the rest of the batch', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });

    const result = await handler()({ Records: [job('bad-1', 'not json'), job('bad-2', { recordingId: 'str_nope' }), job('good', { recordingId })] }, context);

    assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: 'bad-1' }, { itemIdentifier: 'bad-2' }]);
    assert.equal(ecs.commandCalls(RunTaskCommand).length, 1);
  });

  it('reads its configuration once, naming a bad variable', () => {
    const env = {
      TABLE_NAME: 'table',
      EXPORT_CLUSTER_ARN: CLUSTER,
      EXPORT_TASK_DEFINITION_ARN: TASK_DEF,
      EXPORT_CONTAINER_NAME: 'mp4-export',
      EXPORT_SUBNET_IDS: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
      EXPORT_SECURITY_GROUP_IDS: 'sg-0123456789abcdef0',
    };
    assert.deepEqual(loadMp4ExportDispatchConfig(env).subnetIds, ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210']);
    assert.equal(loadMp4ExportDispatchConfig(env).maxReceiveCount, 3);
    assert.throws(() => loadMp4ExportDispatchConfig({ ...env, EXPORT_SUBNET_IDS: 'subnet-1,;rm' }), /EXPORT_SUBNET_IDS/);
    assert.throws(() => loadMp4ExportDispatchConfig({ ...env, EXPORT_TASK_DEFINITION_ARN: undefined }), /EXPORT_TASK_DEFINITION_ARN/);
  });
});
