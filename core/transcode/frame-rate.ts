/**
 * The nominal frame rate of a source: what an encoder was set to (30, 29.97, 25…), recovered from rates
 * measured on millisecond timestamps. FLV stores frame times in whole milliseconds, so a 30 fps source
 * averages 1/0.033 = 30.303 fps over a short probe; players and dashboards expect the rate the encoder
 * was set to (the master playlist's FRAME-RATE, the ladder's GOP length).
 * Pure: numbers in, numbers out. Must never invent a standard rate for a source that is clearly not one.
 */

/** Rates encoders are set to, NTSC fractions as HLS writes them (three decimals). */
export const STANDARD_FRAME_RATES = [23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60, 90, 100, 119.88, 120] as const;

/**
 * Millisecond rounding of frame times moves the average by at most 1/(2·frame ms) — about 1.5 % at
 * 30 fps, 3 % at 60 fps: within that (relative) distance the nearest standard rate is the nominal one.
 */
const MS_TIMESTAMP_TOLERANCE = 0.035;

/** The nearest standard rate when `measured` is within millisecond-rounding distance of one, else `measured` to 3 decimals. */
export function nominalFrameRate(measured: number): number {
  if (!Number.isFinite(measured) || measured <= 0) throw new RangeError(`frame rate must be positive, got ${measured}`);
  let best: number | undefined;
  for (const rate of STANDARD_FRAME_RATES) {
    const distance = Math.abs(rate - measured) / rate;
    if (distance <= MS_TIMESTAMP_TOLERANCE && (best === undefined || distance < Math.abs(best - measured) / best)) best = rate;
  }
  return best ?? Math.round(measured * 1000) / 1000;
}
