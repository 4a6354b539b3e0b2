/**
 * An MP4 export whose Fargate task dies does not stay `pending`: the dispatcher starts the task (ECS has no
 * local implementation, so RunTask is mocked with aws-sdk-client-mock), the task stops without storing its
 * result, and the export-stopped function, handed the task's "Task State Change" event as the SQS inbox
 * delivers it, marks the export failed with ECS's reason, in dynalite through the real recording store.
 * An export that stored its result, or was requested again after the task started, is left alone; a
 * record that is not a stopped export task is refused (dead-letter queue), never guessed at.
 */
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { EcsExportTasks } from '../../adapters/ecs-export-tasks';
import { newId } from '../../core/ids';
import type { Clock } from '../../core/ports/clock';
import { completeMp4Export, requestMp4Export } from '../../core/recordings/mp4-requests';
import { recordingIdFor, type Recording } from '../../core/recordings/recording';
import { createMp4ExportDispatchHandler } from '../../lambdas/mp4-export-dispatch/handler';
import { createMp4ExportStoppedHandler } from '../../lambdas/mp4-export-stopped/handler';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';

const ecs = mockClient(ECSClient);
const context = {} as Context;
const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/streamplane';
const TASK_DEF = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/StreamplaneMp4Export:7';
const CONTAINER = 'mp4-export';

class StepClock implements Clock {
  constructor(private ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** The SQS record the inbox delivers for an ECS task that stopped: the EventBridge event as its body. */
function stoppedRecord(messageId: string, taskArn: string, recordingId: string, stop: { createdAt: Date; exitCode?: number; stoppedReason?: string }) {
  const event = {
    version: '0',
    id: `ev-${messageId}`,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '123456789012',
    time: new Date(stop.createdAt.getTime() + 60_000).toISOString(),
    region: 'eu-west-1',
    resources: [taskArn],
    detail: {
      clusterArn: CLUSTER,
      taskArn,
      taskDefinitionArn: TASK_DEF,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      startedBy: 'streamplane-mp4-export',
      launchType: 'FARGATE',
      createdAt: stop.createdAt.toISOString(),
      stopCode: 'EssentialContainerExited',
      ...(stop.stoppedReason ? { stoppedReason: stop.stoppedReason } : {}),
      containers: [{ name: CONTAINER, lastStatus: 'STOPPED', ...(stop.exitCode !== undefined ? { exitCode: stop.exitCode } : {}) }],
      overrides: { containerOverrides: [{ name: CONTAINER, environment: [{ name: 'STREAMPLANE_EXPORT_RECORDING_ID', value: recordingId }] }] },
    },
  };
  return { messageId, body: JSON.stringify(event), attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSEvent['Records'][number];
}

describe('MP4 export task that dies (dynalite, RunTask mocked)', () => {
  let dynamo: TestDynamo;
  let recordings: DynamoDbRecordingStore;
  let clock: StepClock;

  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    ecs.restore();
    await dynamo?.stop();
  });
  beforeEach(async () => {
    ecs.reset();
    clock = new StepClock(Date.parse('2026-12-01T12:00:00Z'));
    recordings = new DynamoDbRecordingStore({ tableName: await dynamo.newTable(), client: dynamo.client });
  });

  const readyRecording = async (): Promise<string> => {
    const sessionId = newId('session');
    const id = recordingIdFor(sessionId);
    const now = clock.now().toISOString();
    await recordings.create({ id, streamId: newId('stream'), sessionId, status: 'ready', createdAt: now, updatedAt: now, version: 0 } as Recording);
    return id;
  };
  const stopped = () => createMp4ExportStoppedHandler({ recordings, clock, containerName: CONTAINER });
  /** Requests the export and lets the dispatcher start its task; returns the task's ARN and creation time. */
  const dispatch = async (recordingId: string): Promise<{ taskArn: string; createdAt: Date }> => {
    await requestMp4Export({ recordings, clock }, recordingId);
    clock.advance(2_000);
    const taskArn = `arn:aws:ecs:eu-west-1:123456789012:task/streamplane/${newId('session').slice(-20).replace(/_/g, '0')}`;
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn, createdAt: clock.now() }], failures: [] });
    const tasks = new EcsExportTasks({ cluster: CLUSTER, taskDefinition: TASK_DEF, containerName: CONTAINER, subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-0123456789abcdef0'], client: new ECSClient({ region: 'eu-west-1' }) });
    const out = await createMp4ExportDispatchHandler({ tasks, recordings, clock })({ Records: [{ messageId: 'job-1', body: JSON.stringify({ recordingId }), attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSEvent['Records'][number]] }, context);
    assert.deepEqual(out.batchItemFailures, [], 'the dispatcher started the task');
    assert.equal(ecs.commandCalls(RunTaskCommand).length, 1);
    return { taskArn, createdAt: clock.now() };
  };

  it('marks the export failed with the reason when its task was killed before storing the result', async () => {
    const recordingId = await readyRecording();
    const task = await dispatch(recordingId);
    assert.equal((await recordings.get(recordingId))?.mp4?.status, 'pending');

    clock.advance(90_000);
    const out = await stopped()({ Records: [stoppedRecord('stop-1', task.taskArn, recordingId, { createdAt: task.createdAt, exitCode: 137, stoppedReason: 'OutOfMemoryError: Container killed due to memory usage' })] }, context);

    assert.deepEqual(out.batchItemFailures, []);
    const mp4 = (await recordings.get(recordingId))?.mp4;
    assert.equal(mp4?.status, 'failed');
    assert.equal(mp4?.error, 'the export task stopped with exit code 137: OutOfMemoryError: Container killed due to memory usage');
    assert.equal(mp4?.updatedAt, clock.now().toISOString());
    // The user may ask again at once: a failed export is not a fresh pending one.
    assert.equal((await requestMp4Export({ recordings, clock }, recordingId)).enqueue, true);
  });

  it('names a task that never ran its export (image pull failed) and one that exited 0 without a result', async () => {
    const neverRan = await readyRecording();
    const quiet = await readyRecording();
    const a = await dispatch(neverRan);
    ecs.reset();
    const b = await dispatch(quiet);

    const out = await stopped()({
      Records: [
        stoppedRecord('stop-a', a.taskArn, neverRan, { createdAt: a.createdAt, stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)' }),
        stoppedRecord('stop-b', b.taskArn, quiet, { createdAt: b.createdAt, exitCode: 0, stoppedReason: 'Essential container in task exited' }),
      ],
    }, context);

    assert.deepEqual(out.batchItemFailures, []);
    assert.equal((await recordings.get(neverRan))?.mp4?.error, 'the export task stopped before its export ran: CannotPullContainerError: pull image manifest has been retried 5 time(s)');
    assert.equal((await recordings.get(quiet))?.mp4?.error, 'the export task stopped without storing its result (exit code 0): Essential container in task exited');
  });

  it('leaves an export alone that stored its result, or was requested again after the task started', async () => {
    const done = await readyRecording();
    const again = await readyRecording();
    const a = await dispatch(done);
    await completeMp4Export({ recordings, clock }, done, { status: 'ready', bytes: 1234 });
    ecs.reset();
    const b = await dispatch(again);
    // That export fails, and the user asks again before the old task's stop arrives.
    await completeMp4Export({ recordings, clock }, again, { status: 'failed', error: 'ffmpeg could not read segment 3' });
    clock.advance(5_000);
    await requestMp4Export({ recordings, clock }, again);
    const requestedAgainAt = (await recordings.get(again))?.mp4?.requestedAt;

    const out = await stopped()({
      Records: [
        stoppedRecord('stop-done', a.taskArn, done, { createdAt: a.createdAt, exitCode: 0 }),
        stoppedRecord('stop-old', b.taskArn, again, { createdAt: b.createdAt, exitCode: 1 }),
      ],
    }, context);

    assert.deepEqual(out.batchItemFailures, []);
    assert.deepEqual(((await recordings.get(done))?.mp4 as { status: string; bytes?: number }).status, 'ready');
    assert.equal((await recordings.get(done))?.mp4?.bytes, 1234);
    const renewed = (await recordings.get(again))?.mp4;
    assert.equal(renewed?.status, 'pending', 'the newer request belongs to a newer task');
    assert.equal(renewed?.requestedAt, requestedAgainAt);
  });

  it('refuses a record that is not a stopped export task (to the dead-letter queue) and still settles the rest of the batch', async () => {
    const recordingId = await readyRecording();
    const task = await dispatch(recordingId);
    const noOverride = stoppedRecord('bad-2', task.taskArn, recordingId, { createdAt: task.createdAt, exitCode: 1 });
    const body = JSON.parse(noOverride.body) as { detail: { overrides: unknown } };
    body.detail.overrides = { containerOverrides: [] };
    noOverride.body = JSON.stringify(body);

    const out = await stopped()({
      Records: [
        { messageId: 'bad-1', body: 'not json', attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSEvent['Records'][number],
        noOverride,
        stoppedRecord('good', task.taskArn, recordingId, { createdAt: task.createdAt, exitCode: 2 }),
      ],
    }, context);

    assert.deepEqual(out.batchItemFailures, [{ itemIdentifier: 'bad-1' }, { itemIdentifier: 'bad-2' }]);
    assert.equal((await recordings.get(recordingId))?.mp4?.status, 'failed');
  });
});
