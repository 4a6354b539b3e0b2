/** The pull's ffmpeg command line (golden) names no source: the source and its options are a concat script on stdin. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pullArgs, pullScript } from '../../../../../containers/ingest/src/pulls/pull-args';

const TARGET = 'rtmp://127.0.0.1:1935/pull/once-0123';

describe('pull command line', () => {
  it('reads a concat script from stdin and copies the first video and audio track into the pull app', () => {
    assert.deepEqual(pullArgs({ sourceUrl: 'rtsp://admin:secret@cam.example.com/live?token=abc', target: TARGET }), [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-protocol_whitelist', 'pipe,rtsp,rtsps,rtp,srtp,udp,tcp,tls,rtmp,rtmps,srt,http,https,httpproxy,hls,crypto,data',
      '-f', 'concat', '-safe', '0', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
      '-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-f', 'flv', TARGET,
    ]);
  });

  it('never puts the source URL or its credentials into argv', () => {
    for (const url of ['rtsp://admin:secret@cam/live', 'srt://enc:9000?passphrase=secret-pass&latency=200', 'https://u:secret@cdn/x.m3u8?token=secret-tok', 'rtmp://live/app/secret-key']) {
      const argv = pullArgs({ sourceUrl: url, target: TARGET }).join(' ');
      assert.ok(!argv.includes('secret'), `${url} leaked into argv`);
    }
  });

  it('names the source and per-scheme input options in the script, quoted the ffconcat way', () => {
    assert.equal(pullScript({ sourceUrl: 'rtsp://admin:secret@cam/live' }), "ffconcat version 1.0\nfile 'rtsp://admin:secret@cam/live'\noption rtsp_transport 'tcp'\noption timeout '10000000'\n");
    assert.equal(pullScript({ sourceUrl: 'https://cdn.example.com/live/index.m3u8', ioTimeoutSeconds: 5 }), "ffconcat version 1.0\nfile 'https://cdn.example.com/live/index.m3u8'\noption rw_timeout '5000000'\noption live_start_index '-1'\n");
    assert.equal(pullScript({ sourceUrl: 'srt://enc:9000?passphrase=p' }), "ffconcat version 1.0\nfile 'srt://enc:9000?passphrase=p'\noption timeout '10000000'\noption analyzeduration '1000000'\noption probesize '500000'\n");
    assert.equal(pullScript({ sourceUrl: "rtmp://live/app/it's" }).split('\n')[1], "file 'rtmp://live/app/it'\\''s'");
    assert.throws(() => pullScript({ sourceUrl: 'rtmp://live/app/x\nfile /etc/passwd' }), /control characters/);
  });
});
