import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nominalFrameRate } from '../../../../core/transcode/frame-rate';

describe('nominalFrameRate', () => {
  it('recovers the encoder setting from rates measured on FLV millisecond timestamps', () => {
    assert.equal(nominalFrameRate(1 / 0.033), 30); // 30.303: every frame 33 ms
    assert.equal(nominalFrameRate(1000 / 33.4), 29.97); // 29.940: 33/33/34 ms
    assert.equal(nominalFrameRate(1000 / 33.367), 29.97);
    assert.equal(nominalFrameRate(25), 25);
    assert.equal(nominalFrameRate(1 / 0.017), 59.94); // 58.824: 17 ms frames of a 60/1.001 source
    assert.equal(nominalFrameRate(1000 / 16.667), 60);
    assert.equal(nominalFrameRate(23.98), 23.976);
  });

  it('keeps a rate that is no standard one, to three decimals', () => {
    assert.equal(nominalFrameRate(15.2), 15.2);
    assert.equal(nominalFrameRate(12.34567), 12.346);
  });

  it('refuses nonsense', () => {
    assert.throws(() => nominalFrameRate(0), RangeError);
    assert.throws(() => nominalFrameRate(Number.NaN), RangeError);
  });
});
