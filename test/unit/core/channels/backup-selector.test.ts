/**
 * Backup ingest's decision: which encoder feeds the output. A disconnect or 2 s of starvation hands the
 * output to the standby; a primary that is steady again for the revert delay takes it back (policy
 * `revert`), or never (`stay`); nothing switches to a feed that sends nothing while the one on air works.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideTakeover, FeedHealth, roleOfApp, type BackupInputs, type FeedFacts } from '../../../../core/channels/backup-selector';

const up: FeedFacts = { connected: true, healthy: true, steadyForMs: 60_000 };
const starved: FeedFacts = { connected: true, healthy: false, steadyForMs: 0 };
const gone: FeedFacts = { connected: false, healthy: false, steadyForMs: 0 };

function inputs(active: BackupInputs['active'], primary: FeedFacts, backup: FeedFacts, policy: BackupInputs['policy'] = 'revert', revertSeconds = 10): BackupInputs {
  return { active, feeds: { primary, backup }, policy, revertSeconds };
}

describe('backup takeover decision', () => {
  it('hands a disconnected primary\'s output to the backup, even one still starting to send', () => {
    assert.deepEqual(decideTakeover(inputs('primary', gone, up)), { from: 'primary', to: 'backup', reason: 'disconnected' });
    assert.deepEqual(decideTakeover(inputs('primary', gone, starved)), { from: 'primary', to: 'backup', reason: 'disconnected' });
    assert.equal(decideTakeover(inputs('primary', gone, gone)), undefined, 'nobody to take over: the session is interrupted instead');
  });

  it('hands a starved primary\'s output to a healthy backup only', () => {
    assert.deepEqual(decideTakeover(inputs('primary', starved, up)), { from: 'primary', to: 'backup', reason: 'starved' });
    assert.equal(decideTakeover(inputs('primary', starved, starved)), undefined);
    assert.equal(decideTakeover(inputs('primary', up, up)), undefined, 'a healthy primary keeps the output');
  });

  it('reverts to the primary once it is steady for the revert delay, and never with `stay`', () => {
    assert.equal(decideTakeover(inputs('backup', { ...up, steadyForMs: 9_999 }, up)), undefined);
    assert.deepEqual(decideTakeover(inputs('backup', { ...up, steadyForMs: 10_000 }, up)), { from: 'backup', to: 'primary', reason: 'reverted' });
    assert.equal(decideTakeover(inputs('backup', up, up, 'stay')), undefined);
    assert.equal(decideTakeover(inputs('backup', starved, up)), undefined, 'a starved primary is not steady');
  });

  it('a backup on air that fails goes back to the primary whatever the policy', () => {
    assert.deepEqual(decideTakeover(inputs('backup', up, gone, 'stay')), { from: 'backup', to: 'primary', reason: 'disconnected' });
    assert.deepEqual(decideTakeover(inputs('backup', up, starved, 'stay')), { from: 'backup', to: 'primary', reason: 'starved' });
  });

  it('maps the RTMP apps to roles', () => {
    assert.equal(roleOfApp('live'), 'primary');
    assert.equal(roleOfApp('live-backup'), 'backup');
    assert.equal(roleOfApp('other'), undefined);
  });
});

describe('feed health', () => {
  it('is healthy within 2 s of media and counts steadiness from the end of the last hole', () => {
    const health = new FeedHealth();
    assert.equal(health.healthy(0), false);
    for (let t = 0; t <= 5_000; t += 500) health.onMedia(t);
    assert.equal(health.healthy(6_000), true);
    assert.equal(health.steadyForMs(6_000), 6_000);
    assert.equal(health.healthy(7_001), false, 'starved after 2 s without media');
    assert.equal(health.steadyForMs(7_001), 0);
    health.onMedia(10_000);
    health.onMedia(11_000);
    assert.equal(health.steadyForMs(11_500), 1_500, 'steadiness starts again after the hole');
  });
});
