/**
 * Backup ingest across tasks, the pure rules: a standby's report counts only while fresh and for its own
 * session, and a hand-over note promotes only the standby it names — same role, same session, not one
 * that began after the note was written (beyond the tolerated clock skew), and only while fresh.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOCK_SKEW_MS, HAND_OVER_FRESH_MS, handOverFor, remoteFeedFacts, REPORT_STALE_AFTER_MS, type FeedReport, type HandOverNote } from '../../../../core/channels/remote-feed';

const at = (ms: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + ms);
const report: FeedReport = { streamId: 's', sessionId: 'ses', role: 'backup', taskId: 'b', healthy: true, steadyForMs: 4_000, reportedAt: at(0) };
const note: HandOverNote = { streamId: 's', sessionId: 'ses', from: 'primary', to: 'backup', reason: 'starved', byTask: 'a', at: at(10_000) };

describe('remote feed facts', () => {
  it('reads a fresh report as a connected feed, its steadiness aged to now', () => {
    assert.deepEqual(remoteFeedFacts(report, 'ses', at(500)), { connected: true, healthy: true, steadyForMs: 4_500 });
    assert.deepEqual(remoteFeedFacts({ ...report, healthy: false, steadyForMs: 0 }, 'ses', at(500)), { connected: true, healthy: false, steadyForMs: 0 });
  });

  it('reads a stale report, another session\'s or none as no feed at all', () => {
    const none = { connected: false, healthy: false, steadyForMs: 0 };
    assert.deepEqual(remoteFeedFacts(report, 'ses', at(REPORT_STALE_AFTER_MS + 1)), none);
    assert.deepEqual(remoteFeedFacts(report, 'other', at(100)), none);
    assert.deepEqual(remoteFeedFacts(undefined, 'ses', at(100)), none);
  });
});

describe('hand-over notes', () => {
  const target = { role: 'backup' as const, sessionId: 'ses', standbySince: at(5_000) };

  it('promotes the standby it names while fresh', () => {
    assert.equal(handOverFor(note, target, at(11_000)), true);
    assert.equal(handOverFor(note, target, at(10_000 + HAND_OVER_FRESH_MS + 1)), false, 'stale');
  });

  it('never promotes another role, another session, or a standby that began after the note', () => {
    assert.equal(handOverFor(note, { ...target, role: 'primary' }, at(11_000)), false);
    assert.equal(handOverFor(note, { ...target, sessionId: 'next' }, at(11_000)), false);
    assert.equal(handOverFor(note, { ...target, standbySince: at(10_000 + CLOCK_SKEW_MS + 1) }, at(13_000)), false);
    assert.equal(handOverFor(note, { ...target, standbySince: at(10_000 + CLOCK_SKEW_MS - 1) }, at(13_000)), true, 'within the clock skew');
    assert.equal(handOverFor(undefined, target, at(11_000)), false);
  });
});
