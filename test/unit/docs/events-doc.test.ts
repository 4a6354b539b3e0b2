/**
 * docs/events.md is what webhook consumers read: it must list every event type of the catalog with its
 * current version, and nothing that is not in the catalog.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { EVENT_CATALOG, EVENT_TYPES } from '../../../core/events/catalog';

const DOC = new URL('../../../docs/events.md', import.meta.url);

describe('docs/events.md', () => {
  it('lists every catalog type with its version, and no type the catalog lacks', async () => {
    const text = await readFile(DOC, 'utf8');
    const rows = new Map<string, number>();
    for (const match of text.matchAll(/^\| `([a-z_]+(?:\.[a-z_]+)+)` \| (\d+) \|/gm)) rows.set(match[1] as string, Number(match[2]));
    for (const type of EVENT_TYPES) {
      assert.ok(rows.has(type), `docs/events.md has no catalog row for ${type}`);
      assert.equal(rows.get(type), EVENT_CATALOG[type].version, `docs/events.md shows the wrong version of ${type}`);
    }
    for (const type of rows.keys()) assert.ok((EVENT_TYPES as string[]).includes(type), `docs/events.md lists ${type}, which is not in the catalog`);
  });
});
