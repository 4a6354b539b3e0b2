/** Numbering across transcoder runs: domains only grow, dates never go back, gaps borrow known timing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GenerationTimeline } from '../../../../../containers/ingest/src/packager/generation-timeline';

const entry = (index: number, start: number, duration = 2) => ({ filename: `seg_${index}.ts`, index, start, end: start + duration, duration });

describe('generation timeline', () => {
  it('gives each run that lists a segment the next domain, continuing after a resume', () => {
    const timeline = new GenerationTimeline(2, false);
    timeline.resume(3);
    assert.equal(timeline.domainOf(0), 3);
    const empty = timeline.open('/a', 0);
    const first = timeline.open('/b', 0);
    timeline.place(first, 0, entry(0, 0), 1_000);
    const second = timeline.open('/c', 5);
    timeline.place(second, 5, entry(0, 0), 2_000);
    assert.equal(empty.domain, undefined);
    assert.deepEqual([first.domain, second.domain], [4, 5]);
    assert.deepEqual([timeline.domainOf(4), timeline.domainOf(5), timeline.domainOf(9)], [4, 5, 5]);
    assert.equal(timeline.generations, 3);
  });

  it('dates a run from its first segment and never before the last date published', () => {
    const timeline = new GenerationTimeline(2, true);
    const first = timeline.open('/a', 0);
    assert.equal(timeline.place(first, 0, entry(0, 0), 10_000), 8_000);
    assert.equal(timeline.place(first, 1, entry(1, 2), 99_999), 10_000);
    // A restart whose clock reads earlier still dates after what was published.
    const second = timeline.open('/b', 2);
    assert.equal(timeline.place(second, 2, entry(0, 0), 5_000), 12_000);
  });

  it('fills a gap with the timing another rendition had, or the segment length', () => {
    const timeline = new GenerationTimeline(2, true);
    const run = timeline.open('/a', 0);
    timeline.place(run, 0, entry(0, 0, 1.5), 10_000);
    assert.deepEqual(timeline.gapFiller(0), { duration: 1.5, discontinuitySequence: 0, programDateTime: new Date(8_500).toISOString() });
    timeline.forgetBefore(1);
    assert.deepEqual(timeline.gapFiller(0), { duration: 2, discontinuitySequence: 0 });
  });
});
