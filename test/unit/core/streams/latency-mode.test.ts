/**
 * `latencyMode`: normal by default, set on create or PATCH, refused when it is not a mode, shown in the
 * view, and handed to the ingest with the next publish decision (a change applies to the next session).
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { eventEmitter } from '../../../../core/events/emit-event';
import { authorizePublish, type SessionDeps } from '../../../../core/streams/publish-session';
import { toStreamView } from '../../../../core/streams/stream';
import { createStreamInput, updateStreamInput } from '../../../../core/streams/stream-input';
import { createStream, updateStream } from '../../../../core/streams/stream-registry';
import { MemoryStreamStore } from '../../../support/memory-stream-store';

describe('latencyMode', () => {
  let deps: SessionDeps;
  beforeEach(() => {
    const store = new MemoryStreamStore();
    const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    deps = { store, clock, emit: eventEmitter({ store, clock, publisher: { publish: async () => undefined } }) };
  });

  it('is normal unless asked, and low travels with the publish decision', async () => {
    const plain = await createStream(deps, createStreamInput.parse({ name: 'plain' }));
    assert.equal(plain.stream.latencyMode, 'normal');
    const decision = await authorizePublish(deps, { app: 'live', streamKey: plain.streamKey });
    assert.ok(decision.allowed && decision.latencyMode === undefined);

    const low = await createStream(deps, createStreamInput.parse({ name: 'low', latencyMode: 'low' }));
    const lowDecision = await authorizePublish(deps, { app: 'live', streamKey: low.streamKey });
    assert.ok(lowDecision.allowed && lowDecision.latencyMode === 'low');
  });

  it('changes by PATCH, and the view shows it', async () => {
    const { stream } = await createStream(deps, { name: 'cam' });
    const updated = await updateStream(deps, stream.id, updateStreamInput.parse({ latencyMode: 'low' }));
    assert.equal(updated.latencyMode, 'low');
    const view = toStreamView(updated, { rtmpServer: 'rtmp://x/live', playbackBase: 'http://x' });
    assert.equal(view.latencyMode, 'low');
  });

  it('refuses anything but normal or low, naming the field', () => {
    const bad = createStreamInput.safeParse({ name: 'x', latencyMode: 'ultra' });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0]?.path, ['latencyMode']);
    assert.equal(updateStreamInput.safeParse({ latencyMode: 3 }).success, false);
  });
});
