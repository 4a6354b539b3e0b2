import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { feedFor, OUTPUTS, selectOutput, type Output, type PublisherState, type SelectorInputs } from '../../../../core/channels/feed-selector';

const base: SelectorInputs = { publisher: 'none', fallback: true, reconnectSlate: true, available: true };
const inputs = (over: Partial<SelectorInputs>): SelectorInputs => ({ ...base, ...over });

describe('feed selector', () => {
  it('a channel with a fallback plays it when nobody publishes; without one the output is off', () => {
    assert.deepEqual(selectOutput('off', inputs({})), { from: 'off', to: 'fallback', reason: 'fallback_configured' });
    assert.equal(selectOutput('off', inputs({ fallback: false })), undefined);
  });

  it('a connecting publisher keeps whatever plays until its first segment exists, then takes over', () => {
    for (const current of OUTPUTS) assert.equal(selectOutput(current, inputs({ publisher: 'connecting' })), undefined, current);
    assert.deepEqual(selectOutput('fallback', inputs({ publisher: 'live' })), { from: 'fallback', to: 'live', reason: 'publisher_live' });
    assert.deepEqual(selectOutput('off', inputs({ publisher: 'live', fallback: false })), { from: 'off', to: 'live', reason: 'publisher_live' });
    assert.deepEqual(selectOutput('slate', inputs({ publisher: 'live' })), { from: 'slate', to: 'live', reason: 'publisher_live' });
  });

  it('an interrupted publisher gets the slate when reconnectSlate is on, else the output goes off', () => {
    assert.deepEqual(selectOutput('live', inputs({ publisher: 'interrupted' })), { from: 'live', to: 'slate', reason: 'publisher_interrupted' });
    assert.deepEqual(selectOutput('live', inputs({ publisher: 'interrupted', reconnectSlate: false })), { from: 'live', to: 'off', reason: 'publisher_interrupted' });
    assert.deepEqual(selectOutput('slate', inputs({ publisher: 'interrupted', reconnectSlate: false })), { from: 'slate', to: 'off', reason: 'slate_disabled' });
    // Without a fallback the slate works all the same (a plain stream).
    assert.deepEqual(selectOutput('live', inputs({ publisher: 'interrupted', fallback: false })), { from: 'live', to: 'slate', reason: 'publisher_interrupted' });
  });

  it('when the session ends, the fallback resumes (or the output goes off without one)', () => {
    assert.deepEqual(selectOutput('slate', inputs({})), { from: 'slate', to: 'fallback', reason: 'session_ended' });
    assert.deepEqual(selectOutput('live', inputs({})), { from: 'live', to: 'fallback', reason: 'session_ended' });
    assert.deepEqual(selectOutput('slate', inputs({ fallback: false })), { from: 'slate', to: 'off', reason: 'session_ended' });
    assert.deepEqual(selectOutput('live', inputs({ fallback: false })), { from: 'live', to: 'off', reason: 'session_ended' });
  });

  it('removing the fallback takes it off the air; a disabled or deleted stream plays nothing', () => {
    assert.deepEqual(selectOutput('fallback', inputs({ fallback: false })), { from: 'fallback', to: 'off', reason: 'fallback_removed' });
    for (const current of ['live', 'fallback', 'slate'] as Output[]) {
      for (const publisher of ['none', 'connecting', 'live', 'interrupted'] as PublisherState[]) {
        assert.deepEqual(selectOutput(current, inputs({ publisher, available: false })), { from: current, to: 'off', reason: 'stream_unavailable' });
      }
    }
    assert.equal(selectOutput('off', inputs({ available: false })), undefined);
  });

  it('every state × input lands on a defined output, and a live publisher is always on the air', () => {
    for (const current of OUTPUTS) {
      for (const publisher of ['none', 'connecting', 'live', 'interrupted'] as PublisherState[]) {
        for (const fallback of [true, false]) {
          for (const reconnectSlate of [true, false]) {
            const change = selectOutput(current, { publisher, fallback, reconnectSlate, available: true });
            const to = change?.to ?? current;
            assert.ok(OUTPUTS.includes(to));
            if (publisher === 'live') assert.equal(to, 'live');
            if (change) assert.notEqual(change.from, change.to);
          }
        }
      }
    }
  });

  it('names the feed that carries each output', () => {
    assert.deepEqual(OUTPUTS.map(feedFor), [undefined, 'primary', 'fallback', 'slate']);
  });
});
