/**
 * The Lambda plumbing around the handlers: configuration that names the bad key (and never its value),
 * the API token source, where events are published, and the EventBridge adapter's failure handling.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeEventPublisher, EventPublishError } from '../../../adapters/eventbridge-event-publisher';
import { buildEvent } from '../../../core/events/catalog';
import { apiTokenSource, SecretReadError } from '../../../lambdas/shared/api-token';
import { ConfigError } from '../../../core/config/env';
import { loadPublishAuthConfig } from '../../../lambdas/publish-auth/config';
import { loadStreamRegistryConfig } from '../../../lambdas/stream-registry/config';
import { createEventPublisher } from '../../../lambdas/shared/event-publisher';
import { isJsonMediaType } from '../../../lambdas/shared/json-body';
import { redactText } from '../../../lambdas/shared/redact';
import { MemoryEventLog } from '../../support/recorded-events';

const TOKEN = 'a-long-enough-api-token-0123456789abcdef';
const VALID = {
  TABLE_NAME: 'streamplane',
  RTMP_SERVER_URL: 'rtmp://ingest.example.com:1935/live',
  PLAYBACK_BASE_URL: 'https://d111.cloudfront.net/',
  API_TOKEN: TOKEN,
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('reads a valid environment', () => {
    const config = loadStreamRegistryConfig({ ...VALID, EVENT_BUS_NAME: 'streamplane-events' });
    assert.deepEqual(config, {
      tableName: 'streamplane',
      rtmpServerUrl: 'rtmp://ingest.example.com:1935/live',
      playbackBaseUrl: 'https://d111.cloudfront.net',
      apiToken: { value: TOKEN },
      eventBusName: 'streamplane-events',
    });
  });

  const bad: Array<[string, Record<string, string | undefined>, string]> = [
    ['a missing table', { ...VALID, TABLE_NAME: undefined }, 'TABLE_NAME'],
    ['an http ingest URL', { ...VALID, RTMP_SERVER_URL: 'http://x/live' }, 'RTMP_SERVER_URL'],
    ['a trailing slash on the ingest URL', { ...VALID, RTMP_SERVER_URL: 'rtmp://x:1935/live/' }, 'RTMP_SERVER_URL'],
    ['a non-URL playback base', { ...VALID, PLAYBACK_BASE_URL: 'cdn' }, 'PLAYBACK_BASE_URL'],
    ['a short token', { ...VALID, API_TOKEN: 'short-secret' }, 'API_TOKEN'],
    ['no token at all', { ...VALID, API_TOKEN: '' }, 'API_TOKEN / API_TOKEN_SECRET_ARN'],
    ['a malformed secret ARN', { ...VALID, API_TOKEN: undefined, API_TOKEN_SECRET_ARN: 'my-secret' }, 'API_TOKEN_SECRET_ARN'],
  ];
  for (const [what, env, key] of bad) {
    it(`names the key for ${what}, without its value`, () => {
      const err = configError(() => loadStreamRegistryConfig(env));
      assert.equal(err.key, key);
      assert.ok(err.message.includes(key));
      assert.equal(err.message.includes('short-secret'), false);
    });
  }

  it('the publish-auth hook needs only the table (and optionally the bus)', () => {
    assert.deepEqual(loadPublishAuthConfig({ TABLE_NAME: 'streamplane' }), { tableName: 'streamplane' });
    assert.equal(configError(() => loadPublishAuthConfig({})).key, 'TABLE_NAME');
  });
});

describe('API token source', () => {
  const secretConfig = { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-AbCdEf', sessionToken: 'session', extensionPort: 2773 };

  it('reads the secret through the extension once and caches it', async () => {
    let calls = 0;
    const fetchImpl = (async (url: string, init?: RequestInit) => {
      calls++;
      assert.ok(String(url).startsWith('http://localhost:2773/secretsmanager/get?secretId=arn%3Aaws%3Asecretsmanager'));
      assert.equal((init?.headers as Record<string, string>)['X-Aws-Parameters-Secrets-Token'], 'session');
      return new Response(JSON.stringify({ SecretString: JSON.stringify({ token: TOKEN }) }));
    }) as typeof fetch;
    const source = apiTokenSource(secretConfig, fetchImpl);
    assert.equal(await source(), TOKEN);
    assert.equal(await source(), TOKEN);
    assert.equal(calls, 1);
  });

  it('does not cache a failure', async () => {
    let fail = true;
    const fetchImpl = (async () => (fail ? new Response('no', { status: 500 }) : new Response(JSON.stringify({ SecretString: TOKEN })))) as typeof fetch;
    const source = apiTokenSource(secretConfig, fetchImpl);
    await assert.rejects(Promise.resolve(source()), SecretReadError);
    fail = false;
    assert.equal(await source(), TOKEN);
  });
});

describe('event publishing', () => {
  const event = buildEvent({ type: 'stream.enabled', streamId: 'st_aaaaaaaaaaaaaaaaaaaa', data: {} }, { id: 'evt_aaaaaaaaaaaaaaaaaaaa', time: new Date('2025-01-01T00:00:00Z'), sequence: 3 });

  it('without a bus, events go straight into the event log', async () => {
    const log = new MemoryEventLog();
    const publisher = await createEventPublisher({ eventLog: log });
    await publisher.publish(event);
    assert.deepEqual(log.events, [event]);
  });

  it('EventBridge: source streamplane, detail-type = event type, detail = the envelope', async () => {
    const mock = mockClient(EventBridgeClient);
    mock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await new EventBridgeEventPublisher({ eventBusName: 'bus', client: new EventBridgeClient({ region: 'eu-west-1' }) }).publish(event);
    const entry = mock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    assert.equal(entry?.Source, 'streamplane');
    assert.equal(entry?.DetailType, 'stream.enabled');
    assert.equal(entry?.EventBusName, 'bus');
    assert.deepEqual(JSON.parse(entry?.Detail ?? ''), event);
    mock.restore();
  });

  it('EventBridge: a refused entry is an error, not a silent drop', async () => {
    const mock = mockClient(EventBridgeClient);
    mock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    await assert.rejects(new EventBridgeEventPublisher({ eventBusName: 'bus', client: new EventBridgeClient({ region: 'eu-west-1' }) }).publish(event), EventPublishError);
    mock.restore();
  });
});

describe('edge helpers', () => {
  it('recognises JSON media types', () => {
    assert.equal(isJsonMediaType('application/json'), true);
    assert.equal(isJsonMediaType('application/problem+json; charset=utf-8'), true);
    assert.equal(isJsonMediaType('application/json;charset=iso-8859-1'), false);
    assert.equal(isJsonMediaType('text/json'), false);
    assert.equal(isJsonMediaType(undefined), false);
  });

  it('redacts stream keys and bearer tokens from free text', () => {
    const key = 'sk_' + 'b'.repeat(43);
    assert.equal(redactText(`rtmp://h/live/${key} Bearer abc.def`), 'rtmp://h/live/sk_[redacted] Bearer [redacted]');
  });
});
