/**
 * Signing, secrets, filters, the retry schedule and the disable rule of webhooks. Signatures are
 * checked with the off-the-shelf `standardwebhooks` library, as any consumer would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { isId } from '../../../../core/ids';
import {
  DEFAULT_RETRY_SCHEDULE_MS,
  deliveryIdFor,
  generateWebhookSecret,
  InvalidRetryScheduleError,
  InvalidWebhookSecretError,
  nextAttemptDelay,
  normaliseEventFilter,
  parseRetrySchedule,
  secretKey,
  shouldDisable,
  sign,
  signatureHeaders,
  toWebhookView,
  wantsEvent,
  type WebhookEndpoint,
} from '../../../../core/webhooks/webhooks';

const BODY = JSON.stringify({ id: 'evt_aaaaaaaaaaaaaaaaaaaa', type: 'stream.live', data: { ok: true } });

function endpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: 'wh_aaaaaaaaaaaaaaaaaaaa',
    url: 'https://hooks.example.com/x',
    events: ['*'],
    enabled: true,
    secret: generateWebhookSecret(),
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

describe('webhook secrets and signatures', () => {
  it('generates whsec_ secrets of 32 random bytes, different every time', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(secretKey(a).length, 32);
    assert.notEqual(a, b);
  });

  it('refuses malformed secrets without quoting them', () => {
    for (const bad of ['nope', 'whsec_', 'whsec_!!!!', 'whsec_' + Buffer.alloc(8).toString('base64')]) {
      assert.throws(() => secretKey(bad), (err: unknown) => err instanceof InvalidWebhookSecretError && !err.message.includes(bad.slice(6) || '§'));
    }
  });

  it('signs exactly as the standardwebhooks library does', () => {
    const secret = generateWebhookSecret();
    const when = new Date('2024-05-01T12:00:00Z');
    const ours = sign(secret, 'evt_aaaaaaaaaaaaaaaaaaaa', Math.floor(when.getTime() / 1000), BODY);
    assert.equal(ours, new Webhook(secret).sign('evt_aaaaaaaaaaaaaaaaaaaa', when, BODY));
  });

  it('produces headers a standardwebhooks consumer verifies, and that fail for another secret or body', () => {
    const e = endpoint();
    const headers = signatureHeaders(e, 'evt_aaaaaaaaaaaaaaaaaaaa', new Date(), BODY);
    assert.equal(headers['webhook-id'], 'evt_aaaaaaaaaaaaaaaaaaaa');
    assert.match(headers['webhook-timestamp'], /^\d{10}$/);
    assert.deepEqual(new Webhook(e.secret).verify(BODY, { ...headers }), JSON.parse(BODY));
    assert.throws(() => new Webhook(generateWebhookSecret()).verify(BODY, { ...headers }));
    assert.throws(() => new Webhook(e.secret).verify(BODY.replace('true', 'false'), { ...headers }));
  });

  it('signs with the previous secret too until its grace period ends', () => {
    const old = generateWebhookSecret();
    const now = new Date();
    const rotating = endpoint({ previousSecret: old, previousSecretExpiresAt: new Date(now.getTime() + 60_000).toISOString() });
    const during = signatureHeaders(rotating, 'evt_aaaaaaaaaaaaaaaaaaaa', now, BODY);
    assert.equal(during['webhook-signature'].split(' ').length, 2);
    new Webhook(rotating.secret).verify(BODY, { ...during });
    new Webhook(old).verify(BODY, { ...during });
    const after = signatureHeaders(rotating, 'evt_aaaaaaaaaaaaaaaaaaaa', new Date(now.getTime() + 120_000), BODY);
    assert.equal(after['webhook-signature'].split(' ').length, 1);
  });
});

describe('webhook endpoints', () => {
  it('matches event types against the filter; * matches everything, also types added later', () => {
    assert.equal(wantsEvent({ events: ['*'] }, 'stream.live'), true);
    assert.equal(wantsEvent({ events: ['*'] }, 'relay.connected'), true);
    assert.equal(wantsEvent({ events: ['stream.live', 'stream.ended'] }, 'stream.ended'), true);
    assert.equal(wantsEvent({ events: ['stream.live'] }, 'stream.ended'), false);
    assert.deepEqual(normaliseEventFilter(undefined), ['*']);
    assert.deepEqual(normaliseEventFilter([]), ['*']);
    assert.deepEqual(normaliseEventFilter(['stream.live', '*']), ['*']);
    assert.deepEqual(normaliseEventFilter(['stream.live', 'stream.ended', 'stream.live']), ['stream.ended', 'stream.live']);
  });

  it('has views without any secret unless one is passed explicitly', () => {
    const e = endpoint({ previousSecret: generateWebhookSecret(), previousSecretExpiresAt: new Date().toISOString() });
    const view = toWebhookView(e);
    const text = JSON.stringify(view);
    assert.ok(!text.includes(e.secret) && !text.includes(e.previousSecret as string) && !('secret' in view));
    assert.equal(toWebhookView(e, e.secret).secret, e.secret);
  });

  it('derives one delivery id per endpoint and event', () => {
    const a = deliveryIdFor('wh_aaaaaaaaaaaaaaaaaaaa', 'evt_bbbbbbbbbbbbbbbbbbbb');
    assert.ok(isId('delivery', a));
    assert.equal(a, deliveryIdFor('wh_aaaaaaaaaaaaaaaaaaaa', 'evt_bbbbbbbbbbbbbbbbbbbb'));
    assert.notEqual(a, deliveryIdFor('wh_aaaaaaaaaaaaaaaaaaab', 'evt_bbbbbbbbbbbbbbbbbbbb'));
  });
});

describe('retries and disabling', () => {
  it('retries immediately, after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then stops', () => {
    assert.deepEqual(DEFAULT_RETRY_SCHEDULE_MS, [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => nextAttemptDelay(DEFAULT_RETRY_SCHEDULE_MS, attempt));
    assert.deepEqual(delays, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    assert.equal(nextAttemptDelay(DEFAULT_RETRY_SCHEDULE_MS, 8), undefined);
    assert.equal(nextAttemptDelay(DEFAULT_RETRY_SCHEDULE_MS, 12), undefined, 'manual attempts past the schedule are single shots');
    assert.throws(() => nextAttemptDelay(DEFAULT_RETRY_SCHEDULE_MS, 0), RangeError);
  });

  it('reads a configured schedule and refuses nonsense', () => {
    assert.deepEqual(parseRetrySchedule('0,5s,5m,30m,2h,5h,10h,10h'), [...DEFAULT_RETRY_SCHEDULE_MS]);
    assert.deepEqual(parseRetrySchedule('0, 100ms, 250'), [0, 100, 250]);
    for (const bad of ['', '5x', '-1', '0,,5s', '8d', Array.from({ length: 21 }, () => '1s').join(',')]) {
      assert.throws(() => parseRetrySchedule(bad), InvalidRetryScheduleError, bad);
    }
  });

  it('disables only after failing without a success for the whole period', () => {
    const since = '2024-01-01T00:00:00.000Z';
    const day = 86_400_000;
    assert.equal(shouldDisable(undefined, new Date('2024-02-01T00:00:00Z')), false);
    assert.equal(shouldDisable(since, new Date(Date.parse(since) + 5 * day - 1)), false);
    assert.equal(shouldDisable(since, new Date(Date.parse(since) + 5 * day)), true);
    assert.equal(shouldDisable(since, new Date(Date.parse(since) + 2 * day), 2 * day), true);
    assert.equal(shouldDisable('garbage', new Date()), false);
  });
});
