import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelKind, encodedVariant, planChannelLadder } from '../../../../../core/channels/channel-plan';
import { planLadder } from '../../../../../core/transcode/ladder';
import { fallbackFileArgs, slateArgs } from '../../../../../containers/ingest/src/feeds/feed-args';
import { PlayoutOrder } from '../../../../../containers/ingest/src/feeds/playout-order';

const video = planChannelLadder('video', { rungs: [360, 180] });
const radio = planChannelLadder('audio', {});
const item = (kind: 'audio' | 'video') => ({ mediaId: 'media_1', objectKey: 'k', kind, durationSeconds: 5 });
const inputsOf = (args: string[]) => args.slice(0, args.indexOf('-filter_complex') === -1 ? args.indexOf('-map') : args.indexOf('-filter_complex'));
const maps = (args: string[]) => args.flatMap((a, i) => (a === '-map' ? [args[i + 1]] : []));

describe('channel ladder', () => {
  it('is fixed by the channel: video at the top rung, every rung encoded, audio AAC 48 kHz; radio audio only', () => {
    assert.deepEqual(video.renditions.map((r) => [r.name, r.width, r.height, r.passthrough]), [['360p', 640, 360, false], ['180p', 320, 180, false]]);
    assert.deepEqual(video.audio, { bitrateKbps: 128, sampleRate: 48_000, channels: 2, passthrough: false });
    assert.deepEqual(radio.renditions.map((r) => [r.name, r.codecs]), [['audio', 'mp4a.40.2']]);
    assert.equal(channelKind([item('audio'), item('audio')]), 'audio');
    assert.equal(channelKind([item('audio'), item('video')]), 'video');
  });

  it('encodes a copied rung at the same size and codecs (a slate standing in for a passthrough session)', () => {
    const live = planLadder({ video: { codec: 'h264', profile: 'Main', width: 640, height: 360, fps: 30, bitrateKbps: 1000, keyframeIntervalSeconds: 2 }, audio: { codec: 'aac', sampleRate: 48_000, channels: 2, bitrateKbps: 128 } }, { rungs: [360] });
    assert.equal(live.renditions[0]?.passthrough, true);
    const slate = encodedVariant(live);
    assert.deepEqual(slate.renditions.map((r) => [r.name, r.width, r.height, r.codecs, r.passthrough, r.maxrateKbps]), [['360p', 640, 360, live.renditions[0]?.codecs, false, 1000]]);
    assert.equal(slate.audio?.passthrough, false);
  });
});

describe('feed command lines', () => {
  it('a video file: read in real time, fitted into the frame, through every rung', () => {
    const args = fallbackFileArgs(video, { item: item('video'), path: '/s/item-0.mp4', hasAudio: true, hasVideo: true }, '/s/run-1');
    assert.deepEqual(inputsOf(args).slice(-4), ['-nostdin', '-re', '-i', '/s/item-0.mp4']);
    const graph = args[args.indexOf('-filter_complex') + 1] as string;
    assert.match(graph, /^\[0:v:0\]scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:\(ow-iw\)\/2:\(oh-ih\)\/2,setsar=1,fps=30,format=yuv420p\[vsrc\];\[vsrc\]/);
    assert.deepEqual(maps(args), ['[v360p]', '0:a:0', '[v180p]', '0:a:0']);
    assert.ok(!args.includes('copy'), 'nothing copied');
  });

  it('an audio file on a video channel gets a still frame for its duration; a silent video gets silence', () => {
    const still = fallbackFileArgs(video, { item: item('audio'), path: '/s/a.m4a', hasAudio: true, hasVideo: false }, '/s/run-2');
    assert.ok(still.join(' ').includes('-re -t 5.000 -f lavfi -i color=c=0x1d2330:s=640x360:r=30'));
    assert.match(still[still.indexOf('-filter_complex') + 1] as string, /^\[1:v:0\]scale=/);
    const silent = fallbackFileArgs(video, { item: item('video'), path: '/s/v.mp4', hasAudio: false, hasVideo: true }, '/s/run-3');
    assert.ok(silent.join(' ').includes('-re -t 5.000 -f lavfi -i anullsrc=r=48000:cl=stereo'));
    assert.deepEqual(maps(silent), ['[v360p]', '1:a:0', '[v180p]', '1:a:0']);
  });

  it('an audio-only channel maps audio only; the slate is a picture and silence until stopped', () => {
    const args = fallbackFileArgs(radio, { item: item('video'), path: '/s/v.mp4', hasAudio: true, hasVideo: true }, '/s/run-4');
    assert.deepEqual(maps(args), ['0:a:0']);
    assert.ok(!args.includes('-filter_complex'));
    const slate = slateArgs(video, '/s/run-5');
    assert.ok(slate.join(' ').includes('-re -f lavfi -i anullsrc=r=48000:cl=stereo -re -f lavfi -i color=c=0x1d2330:s=640x360:r=30'));
    assert.ok(!slate.includes('-t'), 'the slate runs until it is stopped');
    const image = slateArgs(video, '/s/run-6', { path: '/s/slate.png', still: true });
    assert.ok(image.join(' ').includes('-re -loop 1 -framerate 30 -i /s/slate.png'));
    assert.deepEqual(maps(slateArgs(radio, '/s/run-7')), ['0:a:0']);
  });
});

describe('playout order', () => {
  it('sequential repeats the list; shuffle plays each item once per pass, never twice in a row', () => {
    const seq = new PlayoutOrder(3, 'sequential');
    assert.deepEqual([...Array(7)].map(() => seq.next()), [0, 1, 2, 0, 1, 2, 0]);
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const shuffle = new PlayoutOrder(4, 'shuffle', random);
    const played = [...Array(40)].map(() => shuffle.next());
    for (let pass = 0; pass < 10; pass++) assert.deepEqual([...played.slice(pass * 4, pass * 4 + 4)].sort(), [0, 1, 2, 3]);
    for (let i = 1; i < played.length; i++) assert.notEqual(played[i], played[i - 1]);
  });
});
