/**
 * The cloud ingest's publish gate: it invokes the publish-auth function with exactly the request, passes
 * a valid decision through, and turns everything else (function errors, timeouts, garbage) into an error
 * that refuses the publish — without ever repeating the stream key.
 */
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { LambdaPublishAuthClient, PublishAuthError } from '../../../adapters/lambda-publish-auth-client';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());

const KEY = 'sk_live_4f1c9e0b8a7d6c5b4a39281706f5e4d3';
const request = { app: 'live', streamKey: KEY, remoteAddress: '203.0.113.9' };
/** A response payload as the SDK hands it over (bytes; the blob helpers are not used by the client). */
const payload = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)) as InvokeCommandOutput['Payload'];
const gate = (options: { timeoutMs?: number } = {}) => new LambdaPublishAuthClient({ functionName: 'publish-auth', client: new LambdaClient({ region: 'us-east-1' }), ...options });
const keyLeaks = (err: unknown) => err instanceof Error && (err.message.includes(KEY) || String(err.stack).includes(KEY));

describe('LambdaPublishAuthClient', () => {
  it('invokes the function synchronously with the request and returns an allowed decision', async () => {
    const decision = { allowed: true, streamId: 'st_a', sessionId: 'ses_b', reconnect: false, recording: true, reconnectWindowSeconds: 60 };
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(decision) });
    assert.deepEqual(await gate().authorize(request), decision);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    assert.equal(input?.FunctionName, 'publish-auth');
    assert.equal(input?.InvocationType, 'RequestResponse');
    assert.deepEqual(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array)), request);
  });

  it('names its ingest cell in every request (planes with cells), and passes a wrong_cell refusal on', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ allowed: false, reason: 'wrong_cell', streamId: 'st_a' }) });
    const cellGate = new LambdaPublishAuthClient({ functionName: 'publish-auth', client: new LambdaClient({ region: 'us-east-1' }), cell: 'cell-2' });
    assert.deepEqual(await cellGate.authorize(request), { allowed: false, reason: 'wrong_cell', streamId: 'st_a' });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    assert.deepEqual(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array)), { ...request, cell: 'cell-2' });
  });

  it('returns a refusal as a value', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ allowed: false, reason: 'unknown_key', streamId: null }) });
    assert.deepEqual(await gate().authorize(request), { allowed: false, reason: 'unknown_key', streamId: null });
  });

  it('is an error when the function failed, naming only the error type', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorType: 'ConfigError', errorMessage: `bad ${KEY}` }) });
    await assert.rejects(gate().authorize(request), (err: unknown) => err instanceof PublishAuthError && /Unhandled\): ConfigError/.test(err.message) && !keyLeaks(err));
  });

  it('is an error when the answer is not a decision', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ allowed: true, streamId: 'st_a' }) });
    await assert.rejects(gate().authorize(request), (err: unknown) => err instanceof PublishAuthError && /invalid decision \(fields: .*sessionId/.test(err.message));
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('not json') });
    await assert.rejects(gate().authorize(request), /not JSON/);
  });

  it('is an error when the invoke itself fails or takes too long', async () => {
    lambda.on(InvokeCommand).rejects(Object.assign(new Error(`throttled ${KEY}`), { name: 'TooManyRequestsException' }));
    await assert.rejects(gate().authorize(request), (err: unknown) => err instanceof PublishAuthError && /TooManyRequestsException/.test(err.message) && !err.message.includes(KEY));
    lambda.reset();
    lambda.on(InvokeCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { StatusCode: 200, Payload: payload({ allowed: false, reason: 'unknown_key', streamId: null }) };
    });
    await assert.rejects(gate({ timeoutMs: 20 }).authorize(request), PublishAuthError);
  });
});
