/**
 * ChannelDirector.onAir: whether a live session has anything to hand over from. False only when nothing
 * can be playing, so the session takes over when its transcoder starts (not at its first segment).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelDirector } from '../../../../../containers/ingest/src/feeds/channel-director';
import { silentLogger } from '../../../../../core/ports/logger';

function director(options: { fallback: boolean; status?: string; held?: { gate: Promise<void> } }): ChannelDirector {
  return new ChannelDirector({
    streams: {
      get: async (id: string) => {
        await options.held?.gate;
        return { id, status: options.status ?? 'idle', latencyMode: 'normal' } as never;
      },
      list: async () => ({ items: [] }) as never,
    },
    media: {
      resolve: async () => ({
        fallback: options.fallback ? { items: [{ id: 'md_1' } as never], order: 'sequential' as never } : null,
        slate: null,
        reconnectSlate: false,
      }),
    } as never,
    emit: (async () => undefined) as never,
    ladder: {},
    feeds: {} as never,
    logger: silentLogger,
  });
}

describe('ChannelDirector.onAir', () => {
  it('is true for a stream whose settings it has not read yet', () => {
    assert.equal(director({ fallback: false }).onAir('st_unknown'), true);
    const d = director({ fallback: false });
    d.accepted('st_a'); // a publish accepted before any settings were read
    assert.equal(d.onAir('st_a'), true);
  });

  it('is false for a stream without a fallback once its settings are applied, true while a change is being applied', async () => {
    const held = { gate: Promise.resolve() };
    let open = (): void => undefined;
    held.gate = new Promise<void>((resolve) => (open = resolve));
    const d = director({ fallback: false, held });
    const first = d.sync('st_a'); // waits on the store
    assert.equal(d.onAir('st_a'), true, 'settings not read yet');
    open();
    await first;
    assert.equal(d.onAir('st_a'), false, 'nothing can be playing');
    held.gate = new Promise<void>((resolve) => (open = resolve));
    const second = d.sync('st_a'); // e.g. a PATCH that may add a fallback
    assert.equal(d.onAir('st_a'), true, 'a change is being applied');
    open();
    await second;
    assert.equal(d.onAir('st_a'), false);
  });

  it('is true for a stream with a fallback configured, even when none plays here', async () => {
    const d = director({ fallback: true, status: 'disabled' });
    await d.sync('st_b');
    assert.equal(d.onAir('st_b'), true);
  });
});
