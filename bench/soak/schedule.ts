/**
 * The soak's fault schedule: a pure function of a seed, so a failing run can be replayed exactly
 * (`npm run soak -- --seed N`). Every kind of fault is planned at least once when the run is long enough,
 * then the rest are drawn at random; faults never overlap the warm-up or the drain at the end.
 */

export type FaultKind =
  | 'publisher-reconnect' // SIGKILL a publisher, reconnect inside its window: same session
  | 'publisher-gone' // SIGKILL a publisher, reconnect after its window: a new session
  | 'transcoder-kill' // SIGKILL one of the plane's ffmpeg transcoders
  | 'plane-kill' // SIGKILL the whole plane, restart it on the same data dir
  | 'webhook-outage' // the webhook receiver refuses connections for a while
  | 'wrong-key-flood' // many publishes with keys that do not exist
  | 'malformed-rtmp' // garbage and stalled handshakes on the RTMP port
  | 'bad-api'; // invalid JSON, oversized bodies, hostile names and URLs, path traversal

export const FAULT_KINDS: ReadonlyArray<FaultKind> = [
  'publisher-reconnect',
  'transcoder-kill',
  'webhook-outage',
  'wrong-key-flood',
  'publisher-gone',
  'malformed-rtmp',
  'plane-kill',
  'bad-api',
];

export interface Fault {
  /** Milliseconds after the chaos phase starts. */
  atMs: number;
  kind: FaultKind;
  /** The stream it targets, for publisher faults. */
  stream: number;
  /** How long the fault lasts (webhook outage), in ms. */
  durationMs: number;
}

export interface ScheduleOptions {
  seed: number;
  chaosMs: number;
  streams: number;
  /** Mean time between faults. */
  meanGapMs: number;
  /** Longest webhook outage; the soak compresses retries so this spans several attempts. */
  maxOutageMs: number;
}

/** mulberry32: a small, well-distributed 32-bit PRNG; enough for a reproducible schedule. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function planFaults(options: ScheduleOptions): Fault[] {
  const random = seededRandom(options.seed);
  const count = Math.max(1, Math.floor(options.chaosMs / options.meanGapMs));
  const kinds: FaultKind[] = [];
  for (let i = 0; i < count; i++) kinds.push(i < FAULT_KINDS.length ? FAULT_KINDS[i]! : FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)]!);
  // A whole-plane kill is the costliest fault: at most one per three minutes of chaos.
  const maxPlaneKills = Math.max(1, Math.floor(options.chaosMs / 180_000));
  let planeKills = 0;
  const slot = options.chaosMs / count;
  return kinds.map((planned, i) => {
    let kind = planned;
    if (kind === 'plane-kill' && ++planeKills > maxPlaneKills) kind = 'transcoder-kill';
    return {
      atMs: Math.round(i * slot + random() * slot * 0.8),
      kind,
      stream: Math.floor(random() * options.streams),
      durationMs: kind === 'webhook-outage' ? Math.round(options.maxOutageMs * (0.5 + random() * 0.5)) : 0,
    };
  });
}
