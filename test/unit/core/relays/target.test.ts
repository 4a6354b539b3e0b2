/** Target URLs: what is admitted (and how it is normalised), how a server and a key make a publish URL, the backoff and the status machine. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relayBackoffMs } from '../../../../core/relays/backoff';
import { initialRelayState, nextRelayState, type RelayState } from '../../../../core/relays/relay-state';
import { composeTargetUrl, rtmpEndpointOf, toTargetView } from '../../../../core/relays/target';
import { checkTargetUrl } from '../../../../core/relays/target-url';
import { CLOUD_URL_POLICY, LOCAL_URL_POLICY } from '../../../../core/webhooks/url-policy';

describe('simulcast target URLs', () => {
  it('admits rtmp, rtmps and srt URLs of public hosts, normalising the host', () => {
    assert.deepEqual(checkTargetUrl('rtmp://A.RTMP.YouTube.com/live2', CLOUD_URL_POLICY), { ok: true, url: 'rtmp://a.rtmp.youtube.com/live2', scheme: 'rtmp:', host: 'a.rtmp.youtube.com', literal: false });
    assert.equal(checkTargetUrl('rtmps://live-api-s.facebook.com:443/rtmp/', CLOUD_URL_POLICY).ok, true);
    assert.equal(checkTargetUrl('srt://ingest.example.com:9000', CLOUD_URL_POLICY).ok, true);
  });

  it('refuses other schemes, credentials, fragments, and internal addresses in the cloud policy', () => {
    for (const url of ['http://example.com/live', 'rtmp://user:pass@example.com/live', 'rtmp://example.com/live#x', 'rtmp://10.0.0.5/live', 'rtmp://169.254.169.254/live', 'rtmp://0x7f.1/live', 'rtmp://localhost/live', 'srt://example.com', 'rtmp:///live']) {
      const checked = checkTargetUrl(url, CLOUD_URL_POLICY);
      assert.equal(checked.ok, false, url);
    }
    const refused = checkTargetUrl('rtmp://10.0.0.5/live', CLOUD_URL_POLICY);
    assert.ok(!refused.ok && /simulcast targets may not use/.test(refused.message));
  });

  it('allows loopback in the local policy, never the metadata service', () => {
    assert.equal(checkTargetUrl('rtmp://127.0.0.1:1936/live', LOCAL_URL_POLICY).ok, true);
    assert.equal(checkTargetUrl('rtmp://169.254.169.254/live', LOCAL_URL_POLICY).ok, false);
  });

  it('appends the key the way OBS pairs a server and a key', () => {
    assert.equal(composeTargetUrl('rtmp://a.rtmp.youtube.com/live2', 'abcd-efgh'), 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh');
    assert.equal(composeTargetUrl('rtmps://live-api-s.facebook.com:443/rtmp/', 'FB-1?s_bl=1'), 'rtmps://live-api-s.facebook.com:443/rtmp/FB-1?s_bl=1');
    assert.equal(composeTargetUrl('rtmp://host/app/name'), 'rtmp://host/app/name');
  });

  it('splits a server and key into the RTMP application and stream name', () => {
    assert.deepEqual(rtmpEndpointOf('rtmps://live-api-s.facebook.com:443/rtmp/', 'FB-1?s_bl=1'), {
      secure: true,
      host: 'live-api-s.facebook.com',
      port: 443,
      app: 'rtmp',
      streamName: 'FB-1?s_bl=1',
      tcUrl: 'rtmps://live-api-s.facebook.com:443/rtmp',
    });
    assert.deepEqual(rtmpEndpointOf('rtmp://127.0.0.1:1936/live/cam1'), { secure: false, host: '127.0.0.1', port: 1936, app: 'live', streamName: 'cam1', tcUrl: 'rtmp://127.0.0.1:1936/live' });
    assert.equal(rtmpEndpointOf('rtmp://host/live'), undefined, 'no stream name without a key');
  });

  it('never shows the key or its ciphertext in a view', () => {
    const view = toTargetView({ id: 'sct_x', streamId: 'st_x', name: 'n', url: 'rtmp://h/a', encryptedKey: 'v1.secret', enabled: true, status: 'idle', createdAt: 't', updatedAt: 't' });
    assert.equal(JSON.stringify(view).includes('secret'), false);
    assert.equal(view.hasStreamKey, true);
  });
});

describe('relay backoff and status', () => {
  it('backs off 1, 2, 5, 10 s … capped at 60 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => relayBackoffMs(n) / 1000), [1, 2, 5, 10, 20, 30, 60, 60, 60]);
  });

  it('goes idle → starting → broadcasting, stays errored while retrying, and back to idle on stop', () => {
    const backoff = (n: number) => n * 1000;
    let state: RelayState = initialRelayState;
    const step = (input: Parameters<typeof nextRelayState>[1]) => {
      const t = nextRelayState(state, input, backoff);
      state = t.state;
      return t.effect;
    };
    assert.deepEqual(step({ type: 'start' }), { event: 'relay.started', attempt: 1 });
    assert.equal(state.status, 'starting');
    assert.deepEqual(step({ type: 'failed', reason: 'connection refused' }), { event: 'relay.failed', attempt: 1, reason: 'connection refused', retryInMs: 1000 });
    assert.deepEqual(step({ type: 'failed', reason: 'connection refused' }), { event: 'relay.failed', attempt: 2, reason: 'connection refused', retryInMs: 2000 });
    assert.equal(state.status, 'errored');
    assert.equal(state.lastError, 'connection refused');
    assert.deepEqual(step({ type: 'connected' }), { event: 'relay.connected', attempt: 3 });
    assert.equal(state.status, 'broadcasting');
    assert.equal(state.failures, 0);
    assert.deepEqual(step({ type: 'stop', reason: 'session_ended' }), { event: 'relay.stopped', reason: 'session_ended' });
    assert.equal(state.status, 'idle');
    assert.equal(step({ type: 'stop', reason: 'session_ended' }), undefined, 'stopping an idle relay does nothing');
    assert.equal(step({ type: 'failed', reason: 'late' }), undefined, 'a late failure after stop is ignored');
  });
});
