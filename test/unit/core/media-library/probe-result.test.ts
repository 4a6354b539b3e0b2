/** What an ffprobe run means for an uploaded file: facts of a playable file, or not media / no streams / truncated. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpretProbe } from '../../../../core/media-library/probe-result';

const ok = (json: object, stderr = '') => ({ exitCode: 0, stdout: JSON.stringify(json), stderr });

describe('interpretProbe', () => {
  it('reads an MP4 with video and audio as a video item, video codec first, with its picture size', () => {
    const out = interpretProbe(
      ok({
        streams: [
          { codec_type: 'audio', codec_name: 'aac', duration: '4.010000', nb_read_packets: '189' },
          { codec_type: 'video', codec_name: 'h264', width: 320, height: 180, duration: '4.000000', nb_frames: '100', nb_read_packets: '100' },
        ],
        format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '4.010000' },
      }),
    );
    assert.deepEqual(out, { ok: true, facts: { kind: 'video', durationSeconds: 4.01, codecs: ['h264', 'aac'], width: 320, height: 180 } });
  });

  it('reads an MP3 with cover art as audio (an attached picture is not video)', () => {
    const out = interpretProbe(
      ok({
        streams: [
          { codec_type: 'audio', codec_name: 'mp3', duration: '6.03' },
          { codec_type: 'video', codec_name: 'mjpeg', width: 500, height: 500, disposition: { attached_pic: 1 } },
        ],
        format: { format_name: 'mp3', duration: '6.030000' },
      }),
    );
    assert.equal(out.ok && out.facts.kind, 'audio');
    assert.deepEqual(out.ok && out.facts.codecs, ['mp3']);
  });

  it('reads a PNG as a still picture of duration 0', () => {
    const out = interpretProbe(ok({ streams: [{ codec_type: 'video', codec_name: 'png', width: 320, height: 180, nb_read_packets: '1' }], format: { format_name: 'png_pipe' } }));
    assert.deepEqual(out, { ok: true, facts: { kind: 'video', durationSeconds: 0, codecs: ['png'], width: 320, height: 180, still: true } });
  });

  it('calls bytes ffprobe refuses "not media", and text the tty demuxer takes too', () => {
    const refused = interpretProbe({ exitCode: 1, stdout: '{}', stderr: 'source: Invalid data found when processing input\n' });
    assert.deepEqual(refused.ok ? undefined : [refused.failure, refused.error.startsWith('not media')], ['not_media', true]);
    const tty = interpretProbe(ok({ streams: [{ codec_type: 'video', codec_name: 'ansi' }], format: { format_name: 'tty', duration: '3' } }));
    assert.equal(tty.ok ? undefined : tty.failure, 'not_media');
  });

  it('says "no audio or video stream" for a container without any (subtitles or data only)', () => {
    const out = interpretProbe(ok({ streams: [{ codec_type: 'subtitle', codec_name: 'mov_text' }], format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3' } }));
    assert.equal(out.ok ? undefined : out.failure, 'no_streams');
    assert.match(out.ok ? '' : out.error, /^no audio or video stream/);
  });

  it('says "truncated" for a missing moov, a partial file, or fewer packets than the index promises', () => {
    const moov = interpretProbe({ exitCode: 1, stdout: '', stderr: '[mov,mp4 @ 0x1] moov atom not found\nx: Invalid data found when processing input' });
    assert.equal(moov.ok ? undefined : moov.failure, 'truncated');
    const partial = interpretProbe(ok({ streams: [{ codec_type: 'video', codec_name: 'h264', duration: '3' }], format: { format_name: 'mov,mp4', duration: '3' } }, '[mov @ 0x1] stream 0, offset 0x1f47: partial file\n'));
    assert.equal(partial.ok ? undefined : partial.failure, 'truncated');
    const short = interpretProbe(ok({ streams: [{ codec_type: 'video', codec_name: 'h264', duration: '3', nb_frames: '75', nb_read_packets: '25' }], format: { format_name: 'mov,mp4', duration: '3' } }));
    assert.equal(short.ok ? undefined : short.failure, 'truncated');
    assert.match(short.ok ? '' : short.error, /^truncated/);
  });

  it('blames the probe, not the file, when ffprobe was killed or printed garbage', () => {
    const killed = interpretProbe({ exitCode: null, stdout: '', stderr: '' });
    assert.equal(killed.ok ? undefined : killed.failure, 'probe_failed');
    const garbage = interpretProbe({ exitCode: 0, stdout: 'not json', stderr: '' });
    assert.equal(garbage.ok ? undefined : garbage.failure, 'probe_failed');
  });

  it('never passes ffprobe output (paths) into the error', () => {
    const out = interpretProbe({ exitCode: 1, stdout: '', stderr: '/srv/secret/path/source: Invalid data found when processing input' });
    assert.doesNotMatch(out.ok ? '' : out.error, /secret/);
  });
});
