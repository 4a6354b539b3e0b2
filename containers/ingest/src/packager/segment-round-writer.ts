/**
 * Joins the renditions' segments of one sequence number into one segment round object
 * (`segmentObjects=round`, core/media/layout.ts): one S3 PUT per round instead of one per rendition.
 * A round opens with the first member to arrive and is stored once every rendition it still expects has
 * brought (or withdrawn) its segment of that sequence, or `windowMs` after it opened — a copied top rung
 * closes ~0.5 s before x264's encoded rungs (lookahead), so the default 1 s window covers it. A member that
 * comes after its round was stored (late, or its rendition was behind) goes into a later round of the same
 * sequence with its own member set, so its key differs and every object stays immutable.
 *
 * Modelled on playlist-bundle-writer.ts: a caller is answered only once the object holding its bytes is
 * stored (then it may name the range in a playlist, and only after that delete its scratch file), so
 * crash safety stays: a round is stored before any playlist names it; a lost task leaves it as an orphan
 * that resume counts (its sequence is never reused).
 * Must never: answer a caller before its round is stored, store a rendition twice in one round, put one
 * round twice at once, or store a round whose name does not describe its bytes exactly.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../../../core/ports/logger';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { roundKey, roundMemberRange, type ByteRange, type RoundName } from '../../../../core/media/layout';
import { describeError } from './errors';
import { retry, type RetryPolicy } from './retry';
import { SEGMENT_PUT_OPTIONS } from './upload-worker';

/** Covers the copied top rung closing ~0.5 s ahead of the encoded rungs (measured: docs/deploy-aws.md). */
export const DEFAULT_ROUND_WINDOW_MS = 1000;
/** Sequences kept in the "already stored" book, behind the newest: far more than any rendition lags. */
const DONE_MEMORY = 64;

export interface SegmentRoundWriterOptions {
  streamId: string;
  recordingId?: string;
  /** Every rendition of the ladder, in master order: the byte order inside a round. */
  renditions: ReadonlyArray<string>;
  store: Pick<ObjectStore, 'put'>;
  retryPolicy: RetryPolicy;
  logger: Logger;
  windowMs?: number;
  onPutRetry?(err: unknown, attempt: number, waitMs: number): void;
}

export interface RoundMemberInput {
  rendition: string;
  sequence: number;
  discontinuitySequence: number;
  /** EXTINF seconds (rounded to whole milliseconds in the name, at least 1). */
  duration: number;
  body: Uint8Array;
}

export interface StoredRoundMember {
  key: string;
  round: RoundName;
  byteRange: ByteRange;
  /** Time the round's put took, retries included. */
  putMs: number;
  /** From this member's arrival to its round being stored (window wait + put). */
  waitMs: number;
}

interface Member {
  input: RoundMemberInput;
  arrivedAt: number;
  signal: AbortSignal;
  resolve(stored: StoredRoundMember): void;
  reject(err: unknown): void;
  onAbort: () => void;
}

interface OpenRound {
  sequence: number;
  discontinuitySequence: number;
  members: Member[];
  expected: Set<string>;
  timer: NodeJS.Timeout | undefined;
}

export class SegmentRoundWriter {
  private readonly open = new Map<number, OpenRound>();
  /** Per sequence, the renditions already stored in a round (or withdrawn): a later round expects the rest. */
  private readonly done = new Map<number, Set<string>>();
  private readonly order: Map<string, number>;
  /** Round PUTs stored so far (what the cost worksheet counts). */
  puts = 0;

  constructor(private readonly options: SegmentRoundWriterOptions) {
    this.order = new Map(options.renditions.map((r, i) => [r, i]));
  }

  /** Rounds open right now (waiting for members or being stored). */
  get pending(): number {
    return this.open.size;
  }

  /** Stores `input` in its sequence's round; resolves with its key and byte range once that round is stored. */
  add(input: RoundMemberInput, signal: AbortSignal): Promise<StoredRoundMember> {
    if (!this.order.has(input.rendition)) return Promise.reject(new RangeError(`rendition ${input.rendition} is not in this writer's ladder`));
    if (input.body.byteLength === 0) return Promise.reject(new RangeError('a round member needs at least one byte'));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<StoredRoundMember>((resolve, reject) => {
      let round = this.open.get(input.sequence);
      if (round && (round.timer === undefined || round.discontinuitySequence !== input.discontinuitySequence || round.members.some((m) => m.input.rendition === input.rendition))) {
        // Being stored already (timer gone), or not joinable: this member goes into a round of its own.
        round = undefined;
      }
      if (!round) round = this.openRound(input.sequence, input.discontinuitySequence);
      const member: Member = { input, arrivedAt: performance.now(), signal, resolve, reject, onAbort: () => this.dropAborted(member) };
      signal.addEventListener('abort', member.onAbort, { once: true });
      round.members.push(member);
      this.flushIfComplete(round);
    });
  }

  /** `rendition` brings no segment for `sequence` (its scratch file vanished: a gap): the round stops waiting for it. */
  withdraw(rendition: string, sequence: number): void {
    this.markDone(sequence, [rendition]);
    const round = this.open.get(sequence);
    if (round && round.timer !== undefined) {
      round.expected.delete(rendition);
      this.flushIfComplete(round);
    }
  }

  private openRound(sequence: number, discontinuitySequence: number): OpenRound {
    const already = new Set(this.done.get(sequence) ?? []);
    // A round of this sequence still being stored holds its members: the new round does not wait for them.
    for (const m of this.open.get(sequence)?.members ?? []) already.add(m.input.rendition);
    const expected = new Set(this.options.renditions.filter((r) => !already.has(r)));
    const round: OpenRound = { sequence, discontinuitySequence, members: [], expected, timer: undefined };
    round.timer = setTimeout(() => void this.store(round), this.options.windowMs ?? DEFAULT_ROUND_WINDOW_MS);
    // A round being stored stays reachable for withdraw() only while open; a newer one replaces it in the map.
    this.open.set(sequence, round);
    return round;
  }

  private flushIfComplete(round: OpenRound): void {
    if (round.timer === undefined || round.members.length === 0) return;
    const have = new Set(round.members.map((m) => m.input.rendition));
    if ([...round.expected].every((r) => have.has(r))) void this.store(round);
  }

  private dropAborted(member: Member): void {
    for (const round of this.open.values()) {
      if (round.timer === undefined) continue; // being stored: the put's own signal ends it
      const i = round.members.indexOf(member);
      if (i === -1) continue;
      round.members.splice(i, 1);
      member.reject(member.signal.reason);
      if (round.members.length === 0) {
        clearTimeout(round.timer);
        round.timer = undefined;
        if (this.open.get(round.sequence) === round) this.open.delete(round.sequence);
      }
      return;
    }
  }

  private async store(round: OpenRound): Promise<void> {
    if (round.timer === undefined) return;
    clearTimeout(round.timer);
    round.timer = undefined;
    const members = [...round.members].sort((a, b) => (this.order.get(a.input.rendition) ?? 0) - (this.order.get(b.input.rendition) ?? 0));
    for (const m of members) m.signal.removeEventListener('abort', m.onAbort);
    if (members.length === 0) {
      if (this.open.get(round.sequence) === round) this.open.delete(round.sequence);
      return;
    }
    const name: RoundName = {
      seq: round.sequence,
      disc: round.discontinuitySequence,
      members: members.map((m) => ({ rendition: m.input.rendition, durationMs: Math.max(1, Math.round(m.input.duration * 1000)), bytes: m.input.body.byteLength })),
    };
    const { streamId, recordingId, store, logger } = this.options;
    const started = performance.now();
    try {
      const key = roundKey(streamId, name, recordingId);
      const body = Buffer.concat(members.map((m) => m.input.body));
      await retry(() => store.put(key, body, SEGMENT_PUT_OPTIONS), this.options.retryPolicy, {
        signal: AbortSignal.any(members.map((m) => m.signal)),
        onRetry: (err, attempt, wait) => {
          this.options.onPutRetry?.(err, attempt, wait);
          logger.warn('packager: segment round upload failed; retrying', { streamId, sequence: round.sequence, attempt, error: describeError(err) });
        },
      });
      this.puts++;
      const now = performance.now();
      this.markDone(round.sequence, name.members.map((m) => m.rendition));
      for (const m of members) {
        // Every member is in `name`, which was built from these members.
        const { offset, length } = roundMemberRange(name, m.input.rendition)!;
        m.resolve({ key, round: name, byteRange: { offset, length }, putMs: now - started, waitMs: now - m.arrivedAt });
      }
    } catch (err) {
      for (const m of members) m.reject(err);
    } finally {
      if (this.open.get(round.sequence) === round) this.open.delete(round.sequence);
    }
  }

  private markDone(sequence: number, renditions: ReadonlyArray<string>): void {
    const set = this.done.get(sequence) ?? new Set<string>();
    for (const r of renditions) set.add(r);
    this.done.set(sequence, set);
    if (this.done.size > DONE_MEMORY) {
      const newest = Math.max(...this.done.keys());
      for (const seq of this.done.keys()) if (seq < newest - DONE_MEMORY) this.done.delete(seq);
    }
  }
}
