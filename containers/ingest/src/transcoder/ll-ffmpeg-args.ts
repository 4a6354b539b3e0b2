/**
 * The low-latency output of one rendition: the same encoded packets go, through ffmpeg's `tee` muxer
 * (one encode, several muxers), both to the usual MPEG-TS segmenter (recording, DVR, classic playlist)
 * and to a fragmented MP4 on scratch with one fragment per frame, flushed as written, which the LL
 * packager cuts into parts and segments (containers/ingest/src/packager/ll/).
 * Pure: builds strings. Must never run anything, or change the segmenter's options (it only re-homes them).
 */

/** Fragmented MP4 as CMAF players take it: init section first, a fragment per packet, each flushed at once. */
export const LL_MP4_OPTIONS = ['f=mp4', 'movflags=+frag_keyframe+empty_moov+default_base_moof', 'frag_duration=1', 'flush_packets=1'];

/** tee's option syntax: `:` separates options and `=` key from value, so both are escaped in values. */
function teeEscape(value: string): string {
  return value.replace(/[\\:=|[\]]/g, (c) => `\\${c}`);
}

/**
 * `[...output options, '-f', 'segment', (-key value)*, pattern]` (what ffmpeg-args.ts builds per rendition)
 * as the same output options and a tee of that segmenter and the low-latency MP4 at `llPath`.
 */
export function teeWithLowLatency(segmentOutput: ReadonlyArray<string>, llPath: string): string[] {
  const f = segmentOutput.indexOf('-f');
  if (f === -1 || segmentOutput[f + 1] !== 'segment') throw new Error('teeWithLowLatency: expected a segment muxer output');
  const before = segmentOutput.slice(0, f);
  const rest = segmentOutput.slice(f + 2);
  const pattern = rest[rest.length - 1];
  if (pattern === undefined || (rest.length - 1) % 2 !== 0) throw new Error('teeWithLowLatency: segment options must be -key value pairs followed by the file pattern');
  const options = ['f=segment'];
  for (let i = 0; i < rest.length - 1; i += 2) {
    const key = rest[i]!;
    if (!key.startsWith('-')) throw new Error(`teeWithLowLatency: ${key} is not an option`);
    options.push(`${key.slice(1)}=${teeEscape(rest[i + 1]!)}`);
  }
  for (const path of [pattern, llPath]) if (/[|[\]]/.test(path)) throw new Error(`teeWithLowLatency: ${path} holds a character tee cannot take in a file name`);
  return [...before, '-f', 'tee', `[${options.join(':')}]${pattern}|[${LL_MP4_OPTIONS.join(':')}]${llPath}`];
}
