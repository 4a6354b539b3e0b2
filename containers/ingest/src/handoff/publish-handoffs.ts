/**
 * Handoffs: how a publish that came in over another protocol (SRT, MPEG-TS over HTTP) joins the RTMP
 * post-gate path. The protocol front end asks the publish gate first, with the caller's real address;
 * an accepted decision is parked here under a single-use random token, and the front end remuxes the
 * media (`-c copy`) into the plane's own RTMP listener on loopback as `rtmp://127.0.0.1/handoff/TOKEN`.
 * The RTMP ingest claims the token instead of running the gate again, so rate limits and
 * `stream.rejected` see the caller, never 127.0.0.1, and the loopback hop can never bypass them.
 *
 * Must never: accept a token twice, keep an unclaimed decision past its deadline (the publisher counts
 * as gone then), or hold a stream key (tokens are random and say nothing about the stream).
 */
import { randomBytes } from 'node:crypto';
import type { PublishDecision } from '../../../../core/streams/publish-decision';

/** The RTMP application handoff publishes use; the public app stays `live`. */
export const HANDOFF_APP = 'handoff';

export type IngestProtocol = 'rtmp' | 'rtmps' | 'srt' | 'http-ts';

export type AllowedDecision = Extract<PublishDecision, { allowed: true }>;

export interface Handoff {
  decision: AllowedDecision;
  remoteAddress: string;
  protocol: IngestProtocol;
  /** The front end's way to cut its caller (disable, delete, end now, plane stopping). */
  disconnect(): void;
}

export interface PublishHandoffsOptions {
  /** A handoff not claimed by then is abandoned (default 15 s). */
  claimTimeoutMs?: number;
  /** Called for an abandoned handoff: the gate said yes but no media arrived. */
  onAbandoned(handoff: Handoff): void;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class PublishHandoffs {
  private readonly pending = new Map<string, { handoff: Handoff; timer: NodeJS.Timeout }>();

  constructor(private readonly options: PublishHandoffsOptions) {}

  issue(handoff: Handoff): string {
    const token = randomBytes(32).toString('base64url');
    const timer = setTimeout(() => {
      if (!this.pending.delete(token)) return;
      this.options.onAbandoned(handoff);
    }, this.options.claimTimeoutMs ?? 15_000);
    timer.unref();
    this.pending.set(token, { handoff, timer });
    return token;
  }

  /** The handoff behind `token`, exactly once; undefined for an unknown, expired or used token. */
  claim(token: string): Handoff | undefined {
    if (!TOKEN.test(token)) return undefined;
    const entry = this.pending.get(token);
    if (!entry) return undefined;
    this.pending.delete(token);
    clearTimeout(entry.timer);
    return entry.handoff;
  }

  /** The front end gave up before the RTMP leg claimed the token (its caller left, its remuxer died). */
  cancel(token: string): Handoff | undefined {
    const entry = this.pending.get(token);
    if (!entry) return undefined;
    this.pending.delete(token);
    clearTimeout(entry.timer);
    return entry.handoff;
  }

  /** Reports a handoff its front end gave up on as abandoned (the publisher is gone). */
  abandoned(handoff: Handoff): void {
    this.options.onAbandoned(handoff);
  }

  get size(): number {
    return this.pending.size;
  }

  close(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
