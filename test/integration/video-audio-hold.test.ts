/**
 * A feed that ends right after a frame ffmpeg cuts a segment at — a source keyframe (passthrough top
 * rung) or an encoded rung's forced keyframe — with the real ffmpeg and the plane's own transcode command:
 * given the feed as it came, a copied rung's last segment is one video frame without audio (what a killed
 * or stalled encoder left in the recording; an encoded rung's B-frame delay happens to put some audio after
 * its keyframe); through VideoAudioHold, as live sessions feed ffmpeg, every segment of the run has audio
 * and video, the last one too, and only the lone frame is left out.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { planLadder, type LadderPlan } from '../../core/transcode/ladder';
import { inspectFlvTags } from '../../containers/ingest/src/rtmp/flv-tap';
import { VideoAudioHold } from '../../containers/ingest/src/session/video-audio-hold';
import { buildTranscodeArgs } from '../../containers/ingest/src/transcoder/ffmpeg-args';
import { probeSource } from '../../containers/ingest/src/transcoder/source-probe';

const execFileAsync = promisify(execFile);

interface Tag { piece: Buffer; type: 'audio' | 'video' | 'script'; ms: number; keyframe: boolean; config: boolean }

function tagsOf(flv: Buffer): { header: Buffer; tags: Tag[] } {
  const tags: Tag[] = [];
  let offset = 13;
  while (offset + 11 <= flv.length) {
    const end = offset + 11 + flv.readUIntBE(offset + 1, 3) + 4;
    const piece = flv.subarray(offset, end);
    const info = inspectFlvTags(piece)[0];
    if (info) tags.push({ piece, type: info.type, ms: info.timestampMs, keyframe: info.keyframe, config: info.config });
    offset = end;
  }
  return { header: flv.subarray(0, 13), tags };
}

/** Runs ffmpeg as a live session does on `chunks` (ending the input after them); the packets of each segment. */
async function transcode(plan: LadderPlan, chunks: Buffer[], outputDir: string): Promise<Array<{ file: string; video: number; audio: number }>> {
  for (const r of plan.renditions) await mkdir(join(outputDir, r.name), { recursive: true });
  const child = spawn('ffmpeg', buildTranscodeArgs(plan, { input: 'pipe:0', inputFormat: 'flv', outputDir }), { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (const c of chunks) child.stdin.write(c);
  child.stdin.end();
  assert.equal(await exited, 0);
  const name = plan.renditions[0]!.name;
  const files = (await readdir(join(outputDir, name))).filter((f) => f.endsWith('.ts')).sort();
  const listed = (await readFile(join(outputDir, name, 'segments.csv'), 'utf8')).split('\n').filter(Boolean).map((l) => l.split(',')[0]);
  assert.deepEqual(listed, files, 'every segment on disk is listed');
  const out: Array<{ file: string; video: number; audio: number }> = [];
  for (const file of files) {
    const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,nb_read_packets', '-of', 'json', join(outputDir, name, file)]);
    const streams = (JSON.parse(stdout) as { streams: Array<{ codec_type: string; nb_read_packets?: string }> }).streams;
    const count = (type: string) => streams.filter((s) => s.codec_type === type).reduce((n, s) => n + (Number.isFinite(Number(s.nb_read_packets)) ? Number(s.nb_read_packets) : 0), 0);
    out.push({ file, video: count('video'), audio: count('audio') });
  }
  return out;
}

function throughHold(header: Buffer, tags: Tag[]): Buffer[] {
  const hold = new VideoAudioHold({ audio: true });
  const out = [...hold.push(header)];
  for (const t of tags) out.push(...hold.push(t.piece));
  hold.reset(); // the feed ended: what is held is never transcoded
  return out;
}

describe('a feed ending right after a cut-point frame, through the real ffmpeg', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamplane-av-hold-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases = [
    // 1 s source keyframes, copied as the top rung: ffmpeg cuts at the source's keyframes.
    { name: 'passthrough rung, cut at a source keyframe', gop: 30, ladder: { rungs: [180] }, topRung: 'passthrough', rawTailWithoutAudio: true, cutAt: (t: Tag, start: number) => t.keyframe && t.ms - start >= 4000 },
    // 5 s source keyframes: too far apart to copy, the rung is encoded with keyframes forced every 2 s.
    { name: 'encoded rung, cut at a forced keyframe', gop: 150, ladder: { rungs: [180] }, topRung: 'encode', rawTailWithoutAudio: false, cutAt: (t: Tag, start: number) => t.type === 'video' && !t.config && t.ms - start >= 4000 },
  ] as const;

  for (const c of cases) {
    it(`${c.name}: every segment has audio and video through the hold`, async () => {
      const file = join(dir, `${c.gop}.flv`);
      await execFileAsync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(c.gop), '-keyint_min', String(c.gop), '-sc_threshold', '0', '-b:v', '400k', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2', '-f', 'flv', file]);
      const flv = await readFile(file);
      const plan = planLadder(await probeSource(flv), { rungs: [...c.ladder.rungs] });
      assert.equal(plan.topRung, c.topRung, plan.reason);
      const { header, tags } = tagsOf(flv);
      const start = tags.find((t) => t.type === 'video' && !t.config)!.ms;
      const cut = tags.findIndex((t) => c.cutAt(t, start));
      assert.ok(cut > 0 && tags[cut + 1]?.type === 'audio', 'the frame is followed by its audio in the source');
      // The encoder died right after sending that frame: nothing after it arrives.
      const fed = tags.slice(0, cut + 1);

      const raw = await transcode(plan, [header, ...fed.map((t) => t.piece)], join(dir, `${c.gop}-raw`));
      const rawLast = raw[raw.length - 1]!;
      assert.equal(rawLast.video, 1, `as it came, the last segment is the lone frame: ${JSON.stringify(raw)}`);
      if (c.rawTailWithoutAudio) assert.equal(rawLast.audio, 0, `as it came, without audio: ${JSON.stringify(raw)}`);

      const held = await transcode(plan, throughHold(header, fed), join(dir, `${c.gop}-held`));
      assert.ok(held.length >= 2, JSON.stringify(held));
      for (const s of held) assert.ok(s.video > 0 && s.audio > 0, `every segment has audio and video: ${JSON.stringify(held)}`);
      // Only the lone frame was left out: the segments before it are the same.
      assert.deepEqual(held.map((x) => x.video), raw.slice(0, -1).map((x) => x.video));
    });
  }
});
