/**
 * How far behind the live edge a player of a classic (normal-mode) live playlist should sit:
 * `EXT-X-SERVER-CONTROL:HOLD-BACK`, which hls.js takes as its target latency in place of its default of
 * three target durations (`liveSyncDurationCount`). Pure arithmetic, no I/O.
 *
 * Why this value: a polling player fetches the segment after the one it plays once that segment is
 * published and its next reload sees it, so its buffer at that moment is its distance from the edge minus
 * one segment. One target duration plus max(1 s, half a target duration) leaves that much to find and
 * load the next segment (hls.js reloads an unchanged playlist after half a target duration); hls.js moves
 * back by up to one target duration by itself after a stall (`liveSyncOnStallIncrease`).
 * RFC 8216bis asks for at least three target durations: this is deliberately less, for players that
 * honour the tag (hls.js); players that ignore it keep their own three.
 *
 * Must never return less than one target duration plus one second (a player would stall every segment).
 */
export function liveHoldBackSeconds(targetDuration: number): number {
  return Math.round((targetDuration + Math.max(1, targetDuration / 2)) * 1000) / 1000;
}
