/**
 * The chaos soak: a real local plane carrying real encoders while a seeded schedule of faults hits it,
 * and a checker that records what viewers and webhook consumers saw. At the end it compares what reached
 * the plane with what the recordings hold, what was emitted with what was delivered, and looks for
 * processes and scratch files left behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { ffmpegProcessesMatching } from '../../test/support/ffmpeg';
import { parseMaster } from '../../test/support/hls';
import { freePort } from '../../test/support/net';
import { waitFor } from '../../test/support/wait';
import { badRequests, emptyTally, floodWrongKeys, sendBadRequests, sendMalformedRtmp, type BadInputTally } from './bad-inputs';
import { planeProcess } from './plane-process';
import { startPublishers } from './publishers';
import { planFaults, seededRandom, type Fault, type FaultKind } from './schedule';
import { watchViewers } from './viewer-checker';
import { startWebhookSink } from './webhook-sink';

export interface SoakOptions {
  minutes: number;
  streams: number;
  seed: number;
  log: (line: string) => void;
  keepData?: boolean;
}

export interface SoakReport {
  seed: number;
  minutes: number;
  streams: number;
  faults: Record<FaultKind, number>;
  segments: { seenLive: number; playout: number; stored: number; inRecordings: number; strandedOnScratch: number; lost: number; lostExamples: string[] };
  playlist: { polls: number; regressions: number; examples: string[] };
  webhooks: { emitted: number; delivered: number; lost: number; duplicates: number; invalidSignatures: number };
  recordings: { total: number; ready: number; notFinalized: number };
  sessions: number;
  publisherRestarts: number;
  badInputs: { wrongKeys: BadInputTally; malformedRtmp: BadInputTally; api: BadInputTally };
  orphans: { processes: number; scratchFiles: number; scratchExamples: string[] };
  cleanStop: boolean;
  ok: boolean;
}

/** Compressed retries: hours of webhook backoff in about three minutes, through the same code paths. */
const RETRY_SCHEDULE = '0,1s,2s,4s,8s,15s,30s,45s,60s';
const RECONNECT_WINDOW_SECONDS = 4;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))));
  return nested.flat();
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { log } = options;
  const dataDir = await mkdtemp(join(tmpdir(), 'streamplane-soak-'));
  const token = `spt_soak_${randomBytes(16).toString('hex')}`;
  const plane = planeProcess({
    httpPort: await freePort(),
    rtmpPort: await freePort(),
    env: {
      STREAMPLANE_BIND: '127.0.0.1',
      STREAMPLANE_PUBLIC_HOST: '127.0.0.1',
      STREAMPLANE_DATA_DIR: dataDir,
      STREAMPLANE_API_TOKEN: token,
      STREAMPLANE_LADDER: '180,144',
      STREAMPLANE_SEGMENT_SECONDS: '1',
      STREAMPLANE_LOG_LEVEL: 'warn',
      STREAMPLANE_WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE,
    },
    log: (line) => log(`  plane: ${line}`),
  });
  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(plane.base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const sink = await startWebhookSink();
  await plane.start();
  const endpoint = await api<{ secret: string }>('POST', '/v1/webhooks', { url: sink.url });
  if (endpoint.status !== 201) throw new Error(`could not create the webhook endpoint: ${endpoint.status}`);
  sink.setSecret(endpoint.body.secret);

  const streams: Array<{ id: string; streamKey: string; masterUrl: string }> = [];
  for (let i = 0; i < options.streams; i++) {
    const created = await api<{ id: string; streamKey: string; playback: { hls: string } }>('POST', '/v1/streams', { name: `soak ${i}`, reconnectWindowSeconds: RECONNECT_WINDOW_SECONDS });
    streams.push({ id: created.body.id, streamKey: created.body.streamKey, masterUrl: created.body.playback.hls });
  }
  const chaosMs = Math.max(60_000, options.minutes * 60_000 - 45_000);
  const publishers = startPublishers(streams.map((s) => `${plane.rtmpBase}/live/${s.streamKey}`), Math.ceil(chaosMs / 1000) + 600);
  await Promise.all(streams.map((s) => waitFor(`stream ${s.id} to be playable`, async () => (await fetch(s.masterUrl)).status === 200, { timeoutMs: 60_000 })));
  const viewers = watchViewers(streams.map((s) => ({ id: s.id, masterUrl: s.masterUrl })), 800);
  log(`soak: ${streams.length} streams live; ${Math.round(chaosMs / 1000)} s of faults from seed ${options.seed}`);

  const faults = planFaults({ seed: options.seed, chaosMs, streams: streams.length, meanGapMs: Math.min(20_000, chaosMs / 9), maxOutageMs: Math.min(120_000, chaosMs / 3) });
  const counts = Object.fromEntries(faults.map((f) => [f.kind, 0])) as Record<FaultKind, number>;
  const tallies = { wrongKeys: emptyTally(), malformedRtmp: emptyTally(), api: emptyTally() };
  const background: Array<Promise<void>> = [];
  const random = seededRandom(options.seed ^ 0x5eed);
  const [rtmpHost, rtmpPort] = new URL(plane.rtmpBase.replace('rtmp:', 'http:')).host.split(':') as [string, string];

  const apply = async (fault: Fault): Promise<void> => {
    counts[fault.kind]++;
    log(`soak: t+${Math.round(fault.atMs / 1000)}s ${fault.kind}${fault.kind.startsWith('publisher') ? ` (stream ${fault.stream})` : ''}`);
    switch (fault.kind) {
      case 'publisher-reconnect':
      case 'publisher-gone': {
        await publishers.kill(fault.stream);
        const pauseMs = fault.kind === 'publisher-reconnect' ? 1_500 : (RECONNECT_WINDOW_SECONDS + 5) * 1000;
        background.push(new Promise((resolve) => setTimeout(resolve, pauseMs)).then(() => publishers.resume(fault.stream)));
        return;
      }
      case 'transcoder-kill': {
        const pids = await ffmpegProcessesMatching(dataDir);
        const pid = pids[Math.floor(random() * pids.length)];
        if (pid) process.kill(pid, 'SIGKILL');
        return;
      }
      case 'plane-kill':
        await plane.crash();
        await plane.start();
        return;
      case 'webhook-outage':
        await sink.down();
        background.push(new Promise((resolve) => setTimeout(resolve, fault.durationMs)).then(() => sink.up()));
        return;
      case 'wrong-key-flood':
        return floodWrongKeys(plane.rtmpBase, 24, 4, tallies.wrongKeys);
      case 'malformed-rtmp':
        background.push(sendMalformedRtmp(rtmpHost, Number(rtmpPort), tallies.malformedRtmp));
        return;
      case 'bad-api':
        return sendBadRequests(plane.base, token, badRequests(streams[0]!.id), tallies.api);
    }
  };

  const chaosStart = Date.now();
  for (const fault of faults) {
    const wait = chaosStart + fault.atMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await apply(fault);
  }
  const rest = chaosStart + chaosMs - Date.now();
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));

  log('soak: draining — encoders stop, the receiver comes back, sessions end, recordings finalize');
  await Promise.all(background);
  await sink.up();
  await publishers.stopAll();
  await waitFor('every session to end', async () => {
    for (const s of streams) if ((await api<{ status: string }>('GET', `/v1/streams/${s.id}`)).body.status !== 'ended') return false;
    return true;
  }, { timeoutMs: 90_000, intervalMs: 500 }).catch((err: Error) => log(`soak: ${err.message}`));
  await viewers.stop();

  type RecordingView = { id: string; status: string; playback: { hls: string } };
  const listRecordings = async () => (await Promise.all(streams.map(async (s) => (await api<{ items: RecordingView[] }>('GET', `/v1/streams/${s.id}/recordings?limit=100`)).body.items))).flat();
  const recordings = await waitFor('every recording to be finalized', async () => {
    const all = await listRecordings();
    return all.every((r) => r.status === 'ready' || r.status === 'failed') ? all : undefined;
  }, { timeoutMs: 120_000, intervalMs: 1_000 }).catch(async (err: Error) => {
    log(`soak: ${err.message}`);
    return listRecordings();
  });
  const inRecordings = new Set<string>();
  for (const recording of recordings.filter((r) => r.status === 'ready')) {
    const master = await (await fetch(recording.playback.hls)).text();
    for (const variant of parseMaster(master)) {
      const url = new URL(variant.uri, recording.playback.hls).toString();
      for (const segment of parseMediaPlaylist(await (await fetch(url)).text()).segments) if (!segment.gap) inRecordings.add(new URL(segment.uri, url).pathname);
    }
  }
  const mediaDir = join(dataDir, 'media');
  const stored = (await filesUnder(join(mediaDir, 'recordings'))).filter((f) => f.endsWith('.ts') || f.endsWith('.m4s')).map((f) => `/${relative(mediaDir, f)}`);
  const seenAll = [...viewers.seen.values()].flatMap((set) => [...set]);
  // Slate and fallback segments (stored under live/, never under recordings/) are playout, not the
  // publishers' media: recordings hold live sessions only, by design.
  const playout = new Set(seenAll.filter((path) => path.startsWith('/live/')));
  const seenLive = new Set(seenAll.filter((path) => !playout.has(path)));
  const lost = [...new Set([...seenLive, ...stored])].filter((path) => !inRecordings.has(path));


  const events: string[] = [];
  for (let after: string | undefined; ; ) {
    const page = await api<{ items: Array<{ id: string }> }>('GET', `/v1/events?limit=100${after ? `&after=${after}` : ''}`);
    events.push(...page.body.items.map((e) => e.id));
    if (page.body.items.length < 100) break;
    after = page.body.items.at(-1)!.id;
  }
  await waitFor('every event to be delivered', () => events.every((id) => sink.delivered.has(id)), { timeoutMs: 180_000, intervalMs: 500 }).catch((err: Error) => log(`soak: ${err.message}`));
  const sessions = (await Promise.all(streams.map(async (s) => (await api<{ items: Array<{ type: string }> }>('GET', `/v1/events?streamId=${s.id}&type=stream.connected&limit=100`)).body.items.length))).reduce((a, b) => a + b, 0);

  const cleanStop = await plane.stop();
  const orphanProcesses = (await ffmpegProcessesMatching(dataDir)).length;
  const scratch = await filesUnder(join(dataDir, 'scratch'));
  // A complete segment that ffmpeg listed but nobody uploaded reached the ingest and is missing from its recording.
  const strandedOnScratch: string[] = [];
  for (const list of scratch.filter((f) => f.endsWith('/segments.csv'))) {
    const listed = new Set((await readFile(list, 'utf8').catch(() => '')).split('\n').map((line) => line.split(',')[0]!).filter(Boolean));
    strandedOnScratch.push(...scratch.filter((f) => dirname(f) === dirname(list) && listed.has(basename(f))).map((f) => relative(dataDir, f)));
  }
  lost.push(...strandedOnScratch);
  await sink.close();
  if (!options.keepData) await rm(dataDir, { recursive: true, force: true });
  else log(`soak: data kept in ${dataDir}`);

  const lostWebhooks = events.filter((id) => !sink.delivered.has(id)).length;
  const duplicates = [...sink.delivered.values()].reduce((sum, n) => sum + n - 1, 0);
  const notFinalized = recordings.filter((r) => r.status !== 'ready').length;
  const acceptedBad = tallies.wrongKeys.accepted + tallies.malformedRtmp.accepted + tallies.api.accepted;
  const report: SoakReport = {
    seed: options.seed,
    minutes: options.minutes,
    streams: options.streams,
    faults: counts,
    segments: { seenLive: seenLive.size, playout: playout.size, stored: stored.length, inRecordings: inRecordings.size, strandedOnScratch: strandedOnScratch.length, lost: lost.length, lostExamples: lost.slice(0, 5) },
    playlist: { polls: viewers.polls, regressions: viewers.regressions.length, examples: viewers.regressions.slice(0, 5).map((r) => `${r.stream}/${r.rendition}: ${r.what}`) },
    webhooks: { emitted: events.length, delivered: events.length - lostWebhooks, lost: lostWebhooks, duplicates, invalidSignatures: sink.invalidSignatures },
    recordings: { total: recordings.length, ready: recordings.length - notFinalized, notFinalized },
    sessions,
    publisherRestarts: publishers.restarts,
    badInputs: tallies,
    orphans: { processes: orphanProcesses, scratchFiles: scratch.length, scratchExamples: scratch.slice(0, 5).map((f) => relative(dataDir, f)) },
    cleanStop,
    ok: false,
  };
  report.ok = lost.length === 0 && lostWebhooks === 0 && viewers.regressions.length === 0 && orphanProcesses === 0 && scratch.length === 0 && notFinalized === 0 && acceptedBad === 0 && tallies.api.serverErrors === 0 && sink.invalidSignatures === 0 && cleanStop;
  return report;
}

export function summaryLine(report: SoakReport): string {
  return `soak: lost_segments=${report.segments.lost} lost_webhooks=${report.webhooks.lost} regressions=${report.playlist.regressions} orphans=${report.orphans.processes + report.orphans.scratchFiles}`;
}
