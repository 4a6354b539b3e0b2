import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSourceUrl, maskSourceUrl, redactSource } from '../../../../core/pulls/pull-source';
import { CLOUD_URL_POLICY, LOCAL_URL_POLICY, parseCidrList } from '../../../../core/webhooks/url-policy';

describe('pull source URLs', () => {
  it('accepts rtsp, rtmp, srt and HLS playlists, with credentials', () => {
    for (const url of ['rtsp://admin:pw@cam.example.com:554/stream1', 'rtsps://cam.example.com/x', 'rtmp://live.example.com/app/key', 'srt://8.8.8.8:9000?passphrase=abcdefghij', 'https://cdn.example.com/live/index.m3u8?token=t']) {
      assert.equal(checkSourceUrl(url, CLOUD_URL_POLICY).ok, true, url);
    }
  });

  it('refuses other schemes, non-playlist http, fragments and control characters', () => {
    const code = (url: string) => {
      const r = checkSourceUrl(url, LOCAL_URL_POLICY);
      return r.ok ? 'ok' : r.violation.code;
    };
    assert.equal(code('file:///etc/passwd'), 'unsupported_scheme');
    assert.equal(code('udp://239.0.0.1:1234'), 'unsupported_scheme');
    assert.equal(code('http://example.com/index.html'), 'unsupported_scheme');
    assert.equal(code('rtsp://cam/x#y'), 'fragment_in_url');
    assert.equal(code('rtsp://cam/x y'), 'invalid_url');
    assert.equal(code('not a url'), 'invalid_url');
    assert.equal(code(`rtsp://cam/${'a'.repeat(3000)}`), 'url_too_long');
  });

  it('applies the address policy to opaque hosts too (0x7f.1 is loopback)', () => {
    assert.equal(checkSourceUrl('rtsp://0x7f.1/cam', CLOUD_URL_POLICY).ok, false);
    assert.equal(checkSourceUrl('rtsp://0x7f.1/cam', LOCAL_URL_POLICY).ok, true);
    assert.equal(checkSourceUrl('rtsp://169.254.169.254/cam', LOCAL_URL_POLICY).ok, false, 'metadata never');
    assert.equal(checkSourceUrl('srt://[::ffff:10.0.0.1]:9000', CLOUD_URL_POLICY).ok, false);
    assert.equal(checkSourceUrl('rtsp://localhost/cam', CLOUD_URL_POLICY).ok, false);
    assert.equal(checkSourceUrl('rtsp://metadata.google.internal/cam', LOCAL_URL_POLICY).ok, false);
    assert.equal(checkSourceUrl('rtsp://192.168.1.20/cam', LOCAL_URL_POLICY).ok, false, 'LAN needs an allow-listed range');
    assert.equal(checkSourceUrl('rtsp://192.168.1.20/cam', { allowLoopback: true, allowCidrs: parseCidrList('192.168.0.0/16') }).ok, true);
  });

  it('masks user info and secret query values, keeping plain settings', () => {
    assert.equal(maskSourceUrl('rtsp://admin:pw@cam:554/live'), 'rtsp://***@cam:554/live');
    assert.equal(maskSourceUrl('srt://h:9000?passphrase=abcdefghij&latency=200'), 'srt://h:9000?passphrase=***&latency=200');
    assert.equal(maskSourceUrl('https://cdn/x.m3u8?token=abc'), 'https://cdn/x.m3u8?token=***');
    assert.equal(maskSourceUrl('rtmp://host/app/key'), 'rtmp://host/app/key');
  });

  it('redacts the URL and its secrets from text such as ffmpeg errors', () => {
    const url = 'rtsp://admin:Pa%24%24word@cam:554/live?token=tok123';
    const text = `[rtsp] ${url}: 401 Unauthorized (user admin, password Pa$$word, tok123)`;
    const out = redactSource(text, url);
    assert.ok(!out.includes('Pa$$word') && !out.includes('Pa%24%24word') && !out.includes('tok123') && !out.includes('admin'), out);
    assert.match(out, /rtsp:\/\/\*\*\*@cam:554\/live\?token=\*\*\*/);
  });
});
