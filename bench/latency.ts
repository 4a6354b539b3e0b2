/**
 * `npm run bench:latency`: glass-to-glass latency and time to playable, `normal` vs `low` (LL-HLS), as a
 * viewer sees them. A local plane runs in this process; ffmpeg publishes a 720p30 test source with the
 * frame number burned into the picture as 20 black/white boxes (bit k of n is box k); hls.js at its
 * defaults (lowLatencyMode is on by default) plays the stream in Debian's Chromium, and the page reads
 * the boxes off the displayed frame (canvas) every 250 ms. Latency = now − when that frame was made,
 * where frame n was made at t0 + n/30 s (`-re`, t0 from ffmpeg's own progress reports).
 * Also the transcoder's CPU seconds per media second (from /proc) in each mode.
 * Figures depend on the machine's load: they are a ratio between modes measured in the same run, not
 * an absolute promise. Usage: npm run bench:latency [-- --seconds 45 --samples 40]
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { launchChromium } from '../test/support/browser';
import { startPlayerSite } from '../test/support/player-site';
import { startTestPlane, type TestPlane } from '../test/support/plane';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '45' }, samples: { type: 'string', default: '40' } } });
const PUBLISH_SECONDS = Number(values.seconds);
const SAMPLES = Number(values.samples);
const FPS = 30;
const BITS = 20;
const BOX = 40;

const PAGE = `<!doctype html><meta charset="utf-8"><video id="v" muted playsinline></video><script src="/hls.min.js"></script>
<script>
  const video = document.getElementById('v');
  window.errors = [];
  window.stalls = 0;
  window.start = (src) => { const hls = new Hls(); hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) window.errors.push(d.details); else if (d.details === 'bufferStalledError') window.stalls++; }); hls.loadSource(src); hls.attachMedia(video); video.play().catch(() => {}); };
  const canvas = document.createElement('canvas');
  window.frameNumber = () => {
    if (!video.videoWidth || video.readyState < 2) return null;
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(video, 0, 0);
    const sx = video.videoWidth / 1280, sy = video.videoHeight / 720;
    let n = 0;
    for (let k = 0; k < ${BITS}; k++) {
      const px = ctx.getImageData(Math.round((k * ${BOX} + ${BOX / 2}) * sx), Math.round(${BOX / 2} * sy), 1, 1).data;
      if (px[0] + px[1] + px[2] > 384) n += 2 ** k;
    }
    return n;
  };
</script>`;

interface ModeResult {
  mode: string;
  playableMs: number;
  /** The session's own start-up stages, ms after its first byte (containers/ingest/src/session/live-session.ts). */
  stages: Record<string, number | string | undefined> | undefined;
  /** hls.js buffer stalls while sampling (non-fatal bufferStalledError). */
  stalls: number;
  spawnedAt: number;
  samples: number[];
  cpuPerMediaSecond: number | undefined;
  errors: string[];
}

function counterFilter(): string {
  const boxes = Array.from({ length: BITS }, (_, k) => `drawbox=x=${k * BOX}:y=0:w=${BOX}:h=${BOX}:color=white:t=fill:enable='mod(floor(n/${2 ** k}),2)'`);
  return [`drawbox=x=0:y=0:w=${BITS * BOX}:h=${BOX}:color=black:t=fill`, ...boxes].join(',');
}

function startEncoder(url: string): { t0: () => number | undefined; spawnedAt: number; stop(): Promise<void> } {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${FPS},${counterFilter()}`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(PUBLISH_SECONDS), '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(2 * FPS), '-keyint_min', String(2 * FPS), '-sc_threshold', '0', '-b:v', '2500k',
    '-c:a', 'aac', '-b:a', '128k', '-progress', 'pipe:1', '-stats_period', '0.5', '-f', 'flv', url];
  const spawnedAt = Date.now();
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let t0: number | undefined;
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^out_time_us=(\d+)/.exec(line);
      // ffmpeg emits frames no earlier than their schedule: the smallest (now − media time) is when frame 0 was made.
      if (m && Number(m[1]) > 0) t0 = Math.min(t0 ?? Infinity, Date.now() - Number(m[1]) / 1000);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { t0: () => t0, spawnedAt, stop: async () => { if (child.exitCode === null) child.kill('SIGTERM'); await exited; } };
}

async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks (USER_HZ = 100)
}

async function measure(t: TestPlane, siteUrl: string, mode: 'normal' | 'low'): Promise<ModeResult> {
  const created = await t.api<{ id: string; streamKey: string; playback: { hls: string } }>('POST', '/v1/streams', { name: `bench-${mode}`, latencyMode: mode, reconnectWindowSeconds: 0, recording: false });
  const encoder = startEncoder(t.rtmpUrl(created.body.streamKey));
  let playableMs = NaN;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if ((await fetch(created.body.playback.hls)).status === 200) {
      playableMs = Date.now() - encoder.spawnedAt;
      break;
    }
  }
  const browser = await launchChromium();
  const samples: number[] = [];
  let cpu: number | undefined;
  let errors: string[] = [];
  let stalls = 0;
  const stages = t.plane.sessions.session(created.body.id)?.startup as Record<string, number | string | undefined> | undefined;
  try {
    const page = await browser.newPage();
    await page.goto(siteUrl);
    await page.evaluate((src) => (window as unknown as { start(s: string): void }).start(src), created.body.playback.hls);
    console.error(`${mode}: playable ${(playableMs / 1000).toFixed(2)} s after the encoder started; waiting for playback`);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 2, undefined, { timeout: 120_000 });
    const pid = t.plane.sessions.session(created.body.id)?.transcoderPid;
    const cpuStart = await cpuSeconds(pid);
    const wallStart = Date.now();
    while (samples.length < SAMPLES && Date.now() - encoder.spawnedAt < (PUBLISH_SECONDS - 1) * 1000) {
      const n = await page.evaluate(() => (window as unknown as { frameNumber(): number | null }).frameNumber());
      const t0 = encoder.t0();
      if (n !== null && t0 !== undefined && n > 0) samples.push(Date.now() - (t0 + (n / FPS) * 1000));
      await new Promise((r) => setTimeout(r, 250));
    }
    const cpuEnd = await cpuSeconds(pid);
    if (cpuStart !== undefined && cpuEnd !== undefined && pid === t.plane.sessions.session(created.body.id)?.transcoderPid) cpu = (cpuEnd - cpuStart) / ((Date.now() - wallStart) / 1000);
    errors = await page.evaluate(() => (window as unknown as { errors: string[] }).errors);
    stalls = await page.evaluate(() => (window as unknown as { stalls: number }).stalls);
  } finally {
    await browser.close();
    await encoder.stop();
  }
  return { mode, playableMs, stages, stalls, spawnedAt: encoder.spawnedAt, samples, cpuPerMediaSecond: cpu, errors };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const t = await startTestPlane();
const site = await startPlayerSite(PAGE);
try {
  const results: ModeResult[] = [];
  for (const mode of ['normal', 'low'] as const) results.push(await measure(t, site.url, mode));
  console.log('\nglass-to-glass (hls.js defaults, Chromium, 720p30 publish; shared machine: figures move with its load)');
  console.log('mode    samples  median_s  p95_s  playable_s  transcoder_cpu_s_per_media_s  stalls  fatal_errors');
  for (const r of results) {
    console.log(`${r.mode.padEnd(7)} ${String(r.samples.length).padStart(7)}  ${(quantile(r.samples, 0.5) / 1000).toFixed(2).padStart(8)}  ${(quantile(r.samples, 0.95) / 1000).toFixed(2).padStart(5)}  ${(r.playableMs / 1000).toFixed(2).padStart(10)}  ${r.cpuPerMediaSecond?.toFixed(3).padStart(28) ?? '(restarted: n/a)'.padStart(28)}  ${String(r.stalls).padStart(6)}  ${r.errors.join(',') || '-'}`);
  }
  console.log('\nstart-up stages, s after the session\'s first byte (encoder spawn → first byte is the encoder\'s own start):');
  console.log('mode    fast_start   source    connect  probed  ffmpeg_fed  first_segment  uploaded  master   (connect: encoder spawn → first byte)');
  const s = (v: number | string | undefined) => (typeof v === 'number' ? (v / 1000).toFixed(2) : '-');
  for (const r of results) {
    const st = r.stages ?? {};
    const connect = typeof st.firstByteAt === 'number' ? st.firstByteAt - r.spawnedAt : undefined;
    console.log(`${r.mode.padEnd(7)} ${String(st.fastStart ?? '-').padEnd(11)}  ${String(st.source ?? '-').padEnd(8)}  ${s(connect).padStart(7)}  ${s(st.probedMs).padStart(6)}  ${s(st.transcoderFedMs).padStart(10)}  ${s(st.firstSegmentMs).padStart(13)}  ${s(st.firstUploadMs).padStart(8)}  ${s(st.masterMs).padStart(6)}`);
  }
  const [normal, low] = results;
  if (normal?.cpuPerMediaSecond && low?.cpuPerMediaSecond) console.log(`CPU low/normal: ${(low.cpuPerMediaSecond / normal.cpuPerMediaSecond).toFixed(3)} (target ≤ 1.10)`);
} finally {
  await site.close();
  await t.stop();
}
