/**
 * A webhook consumer's view of a real publish: `stream.connected`, `stream.live` and `stream.ended`
 * arrive in sequence order, each verified with the off-the-shelf `standardwebhooks` library.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { publish, stopAll } from '../support/ffmpeg';
import { startTestPlane, type TestPlane } from '../support/plane';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait';

describe('webhooks from a real publish', () => {
  let t: TestPlane;
  let receiver: WebhookReceiver;
  before(async () => {
    t = await startTestPlane();
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await stopAll();
    await receiver?.close();
    await t?.stop();
  });

  it('delivers connected, live and ended in order, each verifiable with standardwebhooks', async () => {
    const hook = await t.api<{ id: string; secret: string }>('POST', '/v1/webhooks', {
      url: receiver.url('/hook'),
      events: ['stream.connected', 'stream.live', 'stream.ended'],
    });
    assert.equal(hook.status, 201);
    assert.match(hook.body.secret, /^whsec_/);

    const stream = await t.api<{ id: string; streamKey: string }>('POST', '/v1/streams', { name: 'hooked', reconnectWindowSeconds: 0 });
    const encoder = publish({ url: t.rtmpUrl(stream.body.streamKey), width: 640, height: 360, seconds: 6 });
    const requests = await receiver.waitForCount('/hook', 3, 60_000);
    await encoder.exited;

    const verifier = new Webhook(hook.body.secret);
    const events = requests.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { id: string; type: string; sequence: number; streamId: string });
    const ordered = [...events].sort((a, b) => a.sequence - b.sequence);
    assert.deepEqual(ordered.map((e) => e.type), ['stream.connected', 'stream.live', 'stream.ended']);
    assert.ok(ordered.every((e) => e.streamId === stream.body.id));
    for (const r of requests) assert.equal(r.headers['webhook-id'], (JSON.parse(r.body) as { id: string }).id);
    assert.ok(!requests.some((r) => r.body.includes(stream.body.streamKey)), 'no delivery carries the stream key');

    // The attempt is logged right after the receiver's 2xx: poll the log until all three are there.
    const logged = await waitFor('three logged attempts', async () => {
      const page = await t.api<{ items: Array<{ eventId: string; statusCode?: number }> }>('GET', `/v1/webhooks/${hook.body.id}/deliveries`);
      return page.body.items.length >= 3 ? page.body.items : undefined;
    });
    assert.deepEqual(new Set(logged.map((a) => a.eventId)), new Set(events.map((e) => e.id)));
    assert.ok(logged.every((a) => a.statusCode === 200));
  });
});
