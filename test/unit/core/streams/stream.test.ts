/**
 * The stream state machine: every (status, action) pair, allowed or refused. The expected table is
 * written out here on purpose rather than derived from core, so a change to the machine is a visible
 * change to this test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IllegalTransitionError } from '../../../../core/errors';
import {
  allowedFrom,
  canTransition,
  endedSession,
  hasOpenSession,
  masterPlaylistPath,
  nextStatus,
  STREAM_STATUSES,
  toStreamView,
  type Stream,
  type StreamAction,
  type StreamStatus,
} from '../../../../core/streams/stream';

const ACTIONS: StreamAction[] = ['connect', 'go_live', 'interrupt', 'end', 'disable', 'enable'];

/** status → action → resulting status, or null when refused. */
const EXPECTED: Record<StreamStatus, Record<StreamAction, StreamStatus | null>> = {
  idle: { connect: 'connected', go_live: null, interrupt: null, end: null, disable: 'disabled', enable: null },
  connected: { connect: null, go_live: 'live', interrupt: 'interrupted', end: 'ended', disable: 'disabled', enable: null },
  live: { connect: null, go_live: null, interrupt: 'interrupted', end: 'ended', disable: 'disabled', enable: null },
  interrupted: { connect: 'connected', go_live: null, interrupt: null, end: 'ended', disable: 'disabled', enable: null },
  ended: { connect: 'connected', go_live: null, interrupt: null, end: null, disable: 'disabled', enable: null },
  disabled: { connect: null, go_live: null, interrupt: null, end: null, disable: null, enable: 'idle' },
};

describe('stream state machine', () => {
  for (const status of STREAM_STATUSES) {
    for (const action of ACTIONS) {
      const expected = EXPECTED[status][action];
      if (expected) {
        it(`${status} --${action}--> ${expected}`, () => {
          assert.equal(canTransition(status, action), true);
          assert.equal(nextStatus(status, action), expected);
          assert.ok(allowedFrom(action).includes(status));
        });
      } else {
        it(`refuses ${action} from ${status}`, () => {
          assert.equal(canTransition(status, action), false);
          assert.ok(!allowedFrom(action).includes(status));
          assert.throws(
            () => nextStatus(status, action),
            (err: unknown) => err instanceof IllegalTransitionError && err.code === 'illegal_transition' && err.from === status,
          );
        });
      }
    }
  }

  it('covers every status', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), [...STREAM_STATUSES].sort());
  });

  it('has an open session exactly while connected, live or interrupted', () => {
    const open = STREAM_STATUSES.filter(hasOpenSession);
    assert.deepEqual(open, ['connected', 'live', 'interrupted']);
  });

  it('names the refused action readably', () => {
    assert.throws(() => nextStatus('idle', 'go_live'), /Cannot go live a stream that is idle\./);
  });
});

describe('stream view', () => {
  const stream: Stream = {
    id: 'st_aaaaaaaaaaaaaaaaaaaa',
    name: 'Main stage',
    status: 'idle',
    keyHash: 'f'.repeat(64),
    recording: true,
    reconnectWindowSeconds: 60,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    version: 1,
  };
  const urls = { rtmpServer: 'rtmp://ingest.example:1935/live', playbackBase: 'https://cdn.example' };

  it('never exposes the key hash or version, and omits the key unless given', () => {
    const view = toStreamView(stream, urls);
    assert.equal('keyHash' in view, false);
    assert.equal('version' in view, false);
    assert.equal('streamKey' in view, false);
    assert.equal(view.ingest.url, undefined);
    assert.equal(view.playback.hls, `https://cdn.example/${masterPlaylistPath(stream.id)}`);
  });

  it('shows the key and full ingest URL when it was just generated', () => {
    const view = toStreamView(stream, urls, 'sk_key');
    assert.equal(view.streamKey, 'sk_key');
    assert.equal(view.ingest.url, 'rtmp://ingest.example:1935/live/sk_key');
  });
});

describe('the "session ended" transition', () => {
  const open: Stream = {
    id: 'st_a',
    name: 'cam',
    status: 'interrupted',
    keyHash: 'h',
    recording: true,
    reconnectWindowSeconds: 60,
    sessionId: 'ses_1',
    sessionStartedAt: '2026-01-01T00:00:00.000Z',
    transcode: { topRung: 'none', reason: 'test', renditions: [] },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 4,
  };

  it('ends the open session, keeping its id as the last one and clearing what belonged to it', () => {
    const { sessionId: _s, sessionStartedAt: _t, transcode: _d, ...rest } = open;
    assert.deepEqual(endedSession(open, { sessionId: 'ses_1' }), { ...rest, status: 'ended', lastSessionId: 'ses_1' });
    assert.equal(endedSession({ ...open, status: 'live' }, { sessionId: 'ses_1' })?.status, 'ended');
  });

  it('leaves the stream alone when the session moved on or a condition no longer holds', () => {
    assert.equal(endedSession(open, { sessionId: 'ses_other' }), undefined);
    assert.equal(endedSession({ ...open, status: 'ended' }, { sessionId: 'ses_1' }), undefined);
    assert.equal(endedSession({ ...open, status: 'connected' }, { sessionId: 'ses_1', onlyIfInterrupted: true }), undefined);
    assert.equal(endedSession(open, { sessionId: 'ses_1', expectedVersion: 3 }), undefined);
    assert.equal(endedSession(open, { sessionId: 'ses_1', onlyIfInterrupted: true, expectedVersion: 4 })?.status, 'ended');
  });
});
