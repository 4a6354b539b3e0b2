/** The segment round join (segment-round-writer.ts): one PUT per round, a window for stragglers, late members in objects of their own. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRoundFileName, roundsPrefix } from '../../../../../core/media/layout';
import { silentLogger } from '../../../../../core/ports/logger';
import type { PutOptions } from '../../../../../core/ports/object-store';
import { SegmentRoundWriter } from '../../../../../containers/ingest/src/packager/segment-round-writer';
import { MemoryObjectStore } from '../../../../support/memory-object-store';

const ID = 'st_abcdefghijklmnopqrst';
const RENDITIONS = ['720p', '480p', '360p'];
const body = (r: string, seq: number) => new TextEncoder().encode(`${r}:${seq};`.repeat(3));
const tick = () => new Promise((r) => setImmediate(r));

function writer(store: { put: MemoryObjectStore['put'] }, windowMs = 10_000) {
  return new SegmentRoundWriter({ streamId: ID, renditions: RENDITIONS, store, retryPolicy: { initialDelayMs: 1, maxDelayMs: 2 }, logger: silentLogger, windowMs });
}
const member = (rendition: string, sequence: number, duration = 2) => ({ rendition, sequence, discontinuitySequence: 0, duration, body: body(rendition, sequence) });

describe('SegmentRoundWriter', () => {
  it('stores one object once every rendition brought its segment, in ladder order, and answers each with its range', async () => {
    const store = new MemoryObjectStore();
    const w = writer(store);
    const signal = new AbortController().signal;
    let answered = false;
    const first = w.add(member('360p', 5), signal).then((s) => ((answered = true), s));
    const second = w.add(member('720p', 5), signal);
    await tick();
    assert.equal(answered, false, 'waits for 480p (window 10 s)');
    assert.equal(store.puts.length, 0);
    const [a, b, c] = await Promise.all([first, second, w.add(member('480p', 5, 2.002), signal)]);
    assert.equal(w.puts, 1);
    assert.equal(store.puts.length, 1);
    const key = store.puts[0] as string;
    assert.ok(key.startsWith(roundsPrefix(ID)));
    assert.deepEqual(parseRoundFileName(key.slice(roundsPrefix(ID).length))?.members.map((m) => [m.rendition, m.durationMs]), [['720p', 2000], ['480p', 2002], ['360p', 2000]]);
    const stored = (await store.get(key))!;
    for (const [s, r] of [[a, '360p'], [b, '720p'], [c, '480p']] as const) {
      assert.equal(s.key, key);
      assert.deepEqual(stored.subarray(s.byteRange.offset, s.byteRange.offset + s.byteRange.length), body(r, 5), r);
    }
    assert.equal(store.objects.get(key)?.options.cacheControl, 'public, max-age=31536000, immutable');
  });

  it('after the window stores what it has; a late member gets an object of its own for the same sequence', async () => {
    const store = new MemoryObjectStore();
    const w = writer(store, 30);
    const signal = new AbortController().signal;
    const [a, b] = await Promise.all([w.add(member('720p', 1), signal), w.add(member('480p', 1), signal)]);
    assert.equal(a.key, b.key);
    assert.deepEqual(a.round.members.map((m) => m.rendition), ['720p', '480p']);
    const late = await w.add(member('360p', 1), signal);
    assert.notEqual(late.key, a.key, 'keys stay unique: the member set is in the name');
    assert.deepEqual(late.round.members.map((m) => m.rendition), ['360p']);
    assert.equal(late.round.seq, 1);
    assert.equal(late.waitMs < 30, true, 'the late round expects no one else: stored at once');
    assert.equal(w.puts, 2);
  });

  it('withdraw (a gap) stops the round waiting for that rendition', async () => {
    const store = new MemoryObjectStore();
    const w = writer(store);
    const signal = new AbortController().signal;
    const both = Promise.all([w.add(member('720p', 3), signal), w.add(member('480p', 3), signal)]);
    await tick();
    assert.equal(w.puts, 0);
    w.withdraw('360p', 3);
    const [a] = await both;
    assert.deepEqual(a.round.members.map((m) => m.rendition), ['720p', '480p']);
  });

  it('never answers before the object is stored, and retries a failed put', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const inner = new MemoryObjectStore();
    let attempts = 0;
    const store = {
      put: async (key: string, b: Uint8Array | string, o: PutOptions) => {
        attempts++;
        if (attempts === 1) throw new Error('503 Slow Down');
        await gate;
        return inner.put(key, b, o);
      },
    };
    const w = writer(store);
    const signal = new AbortController().signal;
    let answered = 0;
    const all = RENDITIONS.map((r) => w.add(member(r, 9), signal).then(() => answered++));
    for (let i = 0; i < 20 && attempts < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(attempts, 2, 'retried');
    assert.equal(answered, 0, 'nobody answered while the put is in flight');
    release();
    await Promise.all(all);
    assert.equal(answered, 3);
    assert.equal(inner.puts.length, 1);
  });

  it('abort rejects waiting members and stores nothing for them', async () => {
    const store = new MemoryObjectStore();
    const w = writer(store);
    const controller = new AbortController();
    const waiting = w.add(member('720p', 4), controller.signal);
    controller.abort(new Error('fenced'));
    await assert.rejects(waiting, /fenced/);
    assert.equal(w.pending, 0);
    await assert.rejects(w.add(member('480p', 4), controller.signal), /fenced/);
    assert.equal(store.puts.length, 0);
  });

  it('refuses a member outside the ladder or without bytes', async () => {
    const w = writer(new MemoryObjectStore());
    const signal = new AbortController().signal;
    await assert.rejects(w.add(member('1080p', 0), signal), RangeError);
    await assert.rejects(w.add({ ...member('720p', 0), body: new Uint8Array() }, signal), RangeError);
  });
});
