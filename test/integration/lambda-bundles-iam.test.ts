/**
 * The Lambda bundles `cdk synth` produces (the esbuild asset files, not the TypeScript sources) run
 * against dynalite and s3rver, every AWS call they make recorded by proxies in front of them and checked
 * against the synthesized IAM policy of the function's own role (test/support/iam-policy-check.ts). A call
 * its role does not allow fails the test, naming the function, action, resource and condition keys.
 *
 * Covered: the control API (create, read and list streams), publish auth (a real key), the registry's
 * event consumer (the events publish auth put on the bus), failover (its scheduled sweep) and the
 * recording finalizer (a recording with real segments in s3rver, made ready). One synth for all of them.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { allowingStatement, resolverFor, roleStatements, FAKE_REGION, type Resources } from '../support/iam-policy-check';
import { startCallRecorder, type CallRecorder } from '../support/aws-call-recorder';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { startTestS3, type TestS3 } from '../support/local-s3';
import { httpEvent } from '../support/http-event';
import { synthApp, type SynthResult } from '../cdk/support';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import { recordingIdFor } from '../../core/recordings/recording';
import { startRecording } from '../../core/recordings/start';
import { recordingEmitter } from '../support/recorded-events';
import { encodeRun, placeRun } from '../support/recording-media';
import type { PlaneFunction } from '../../lib/constructs/plane-function';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const API_TOKEN = 'bundle-iam-test-token-0123456789abcdefghijklmnop';
const BUS = 'streamplane-bus';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

describe('Lambda bundles from cdk synth against their IAM policies', () => {
  let synth: SynthResult;
  let resources: Resources;
  let resolve: (v: unknown) => unknown;
  let dynamo: TestDynamo;
  let s3: TestS3;
  let recorder: CallRecorder;
  let media: string;
  const savedEnv = { ...process.env };

  before(async () => {
    // Inside the repository, so the bundles' external @aws-sdk/* imports resolve to node_modules (as the runtime's SDK would).
    const parent = join(repoRoot, 'cdk.out');
    mkdirSync(parent, { recursive: true });
    synth = synthApp({}, { outdirParent: parent });
    assert.deepEqual(synth.violations, []);
    resources = synth.template.Resources as Resources;
    [dynamo, s3] = await Promise.all([startTestDynamo(), startTestS3()]);
    media = await mkdtemp(join(tmpdir(), 'sp-bundle-media-'));
    recorder = await startCallRecorder({ dynamodb: dynamo.server.endpoint, s3: s3.endpoint });
    const id = (c: { node: { defaultChild?: unknown } }) => synth.stack.getLogicalId(c.node.defaultChild as never);
    resolve = resolverFor(resources, { [id(synth.stack.table.table)]: TEST_TABLE, [id(synth.stack.media.bucket)]: s3.bucket, [id(synth.stack.eventBus)]: BUS });
    Object.assign(process.env, {
      AWS_REGION: FAKE_REGION,
      // s3rver's fixed credentials (dynalite takes any).
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: recorder.endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: recorder.endpoints.s3,
      AWS_ENDPOINT_URL_EVENTBRIDGE: recorder.endpoints.eventbridge,
      AWS_ENDPOINT_URL_SQS: recorder.endpoints.sqs,
      // s3rver predates the SDK's default CRC32 checksums.
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    });
  });

  after(async () => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    await recorder?.stop();
    await Promise.all([dynamo?.stop(), s3?.stop()]);
    if (media) await rm(media, { recursive: true, force: true });
  });

  /** Loads a function's bundle from the assembly with its synthesized environment (the API token given directly). */
  async function load(fn: PlaneFunction): Promise<{ invoke: (event: unknown) => Promise<unknown>; roleId: string; name: string }> {
    const logicalId = synth.stack.getLogicalId(fn.function.node.defaultChild as never);
    const props = resources[logicalId]?.Properties as { Code: { S3Key: string }; Role: { 'Fn::GetAtt': [string, string] }; Environment?: { Variables: Record<string, unknown> } };
    const bundle = join(synth.outdir, `asset.${props.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    assert.ok(readFileSync(bundle).length > 0, `${bundle} is the synthesized bundle`);
    const env = resolve(props.Environment?.Variables ?? {}) as Record<string, string>;
    if (env.API_TOKEN_SECRET_ARN) {
      delete env.API_TOKEN_SECRET_ARN;
      env.API_TOKEN = API_TOKEN;
    }
    const name = fn.node.path;
    const mod = (await import(pathToFileURL(bundle).href)) as { handler: Handler };
    const context = { functionName: name, awsRequestId: 'req-1', invokedFunctionArn: `arn:aws:lambda:${FAKE_REGION}:123456789012:function:${name}`, getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
    return {
      name,
      roleId: props.Role['Fn::GetAtt'][0],
      invoke: async (event) => {
        // Each cold start reads its own environment: only this function's variables are set while it runs.
        const before = { ...process.env };
        Object.assign(process.env, env);
        recorder.caller = name;
        try {
          return await mod.handler(event, context);
        } finally {
          for (const key of Object.keys(env)) if (!(key in before)) delete process.env[key];
          Object.assign(process.env, before);
        }
      },
    };
  }

  it('runs the API, publish auth, event consumer, failover and finalizer bundles, and every AWS call each makes is allowed by its own role', async (t) => {
    const stack = synth.stack;
    const api = await load(stack.streamRegistry);
    const auth = await load(stack.publishAuth);
    const consumer = await load(stack.registryEvents.handler);
    const failover = await load(stack.failover.handler);
    const finalizer = await load(stack.recordingFinalizer.handler);
    const bearer = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };

    const created = (await api.invoke(httpEvent('POST', '/v1/streams', { headers: bearer, body: JSON.stringify({ name: 'bundle probe' }) }))) as { statusCode: number; body: string };
    assert.equal(created.statusCode, 201, created.body);
    const stream = JSON.parse(created.body) as { id: string; streamKey: string };
    const got = (await api.invoke(httpEvent('GET', `/v1/streams/${stream.id}`, { headers: bearer }))) as { statusCode: number; body: string };
    assert.equal(got.statusCode, 200, got.body);
    const listed = (await api.invoke(httpEvent('GET', '/v1/streams', { headers: bearer }))) as { statusCode: number; body: string };
    assert.equal(listed.statusCode, 200, listed.body);

    const decision = (await auth.invoke({ app: 'live', streamKey: stream.streamKey, remoteAddress: '203.0.113.7' })) as { allowed: boolean; sessionId?: string };
    assert.equal(decision.allowed, true, JSON.stringify(decision));
    assert.ok(recorder.events.length > 0, 'publish auth put its events on the bus');

    const records = recorder.events.map((e, i) => ({
      messageId: `m-${i}`,
      eventSource: 'aws:sqs',
      body: JSON.stringify({ version: '0', id: `eb-${i}`, 'detail-type': e.DetailType, source: e.Source, account: '123456789012', time: new Date().toISOString(), region: FAKE_REGION, resources: [], detail: JSON.parse(e.Detail ?? '{}') }),
      attributes: { ApproximateReceiveCount: '1' },
    }));
    const consumed = (await consumer.invoke({ Records: records })) as { batchItemFailures: unknown[] };
    assert.deepEqual(consumed.batchItemFailures, []);

    await failover.invoke({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: new Date().toISOString() });

    // A recording of a finished session (its segments in s3rver, written directly, not through the recorder).
    const streamId = newId('stream');
    const sessionId = newId('session');
    const recordingId = recordingIdFor(sessionId);
    const streams = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    const recordings = new DynamoDbRecordingStore({ tableName: TEST_TABLE, client: dynamo.client });
    await startRecording({ recordings, objectStore: new S3ObjectStore({ bucket: s3.bucket, client: s3.client }), emit: recordingEmitter(streams, systemClock).emit, clock: systemClock, playbackBase: 'https://cdn.invalid' }, { streamId, sessionId });
    await placeRun(new S3ObjectStore({ bucket: s3.bucket, client: s3.client }), recordingId, await encodeRun(media, 4), { firstSequence: 0, disc: 0 });
    const finalized = (await finalizer.invoke({ Records: [{ messageId: 'f-1', eventSource: 'aws:sqs', body: JSON.stringify({ recordingId, streamId, sessionId }), attributes: { ApproximateReceiveCount: '1' } }] })) as { batchItemFailures: unknown[] };
    assert.deepEqual(finalized.batchItemFailures, []);
    assert.equal((await recordings.get(recordingId))?.status, 'ready', 'the finalizer bundle finished the recording');

    // Assess: every recorded call is allowed by the caller's own role.
    const roles = new Map([api, auth, consumer, failover, finalizer].map((f) => [f.name, roleStatements(resources, f.roleId, resolve)]));
    const denied = recorder.calls.filter((call) => !allowingStatement(roles.get(call.caller) ?? [], call));
    const byCaller = new Map<string, number>();
    for (const call of recorder.calls) byCaller.set(call.caller, (byCaller.get(call.caller) ?? 0) + 1);
    for (const f of [api, auth, consumer, failover, finalizer]) {
      assert.ok((byCaller.get(f.name) ?? 0) > 0, `${f.name} made AWS calls through the recorder`);
      const actions = [...new Set(recorder.calls.filter((c) => c.caller === f.name).map((c) => c.action))].sort();
      t.diagnostic(`${f.name}: ${byCaller.get(f.name)} calls (${actions.join(', ')})`);
    }
    assert.deepEqual(
      denied.map((c) => `${c.caller}: ${c.action} on ${c.resource} ${JSON.stringify(c.context)}`),
      [],
      'calls the role does not allow',
    );
  });
});
