/**
 * One line of the CSV segment list that ffmpeg's `segment` muxer appends when a segment is complete
 * (`-segment_list_type csv`): `filename,start,end`, times in seconds. Must never accept a filename that
 * could point outside the rendition's scratch folder.
 */
export interface SegmentListEntry {
  /** Bare file name inside the rendition's scratch folder, e.g. `seg_000003.ts`. */
  filename: string;
  /** ffmpeg's segment index, from the file name's trailing digits: aligns renditions of one ffmpeg run. */
  index: number;
  /** Presentation time of the segment's start and end, seconds, on the run's timeline. */
  start: number;
  end: number;
  duration: number;
}

export class SegmentListLineError extends Error {
  override readonly name = 'SegmentListLineError';
  readonly code = 'invalid_segment_list_line';
}

/**
 * Parses a line. ffmpeg quotes the file name when it holds `,` `"` or a line break (CSV rules); the two
 * numbers are always last, so the name is everything before them.
 */
export function parseSegmentListLine(line: string): SegmentListEntry {
  const trimmed = line.replace(/\r$/, '');
  const match = /^(.*),(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(trimmed);
  if (!match) throw new SegmentListLineError(`not a "filename,start,end" line: ${JSON.stringify(trimmed.slice(0, 120))}`);
  const [, rawName = '', startText = '', endText = ''] = match;
  const filename = unquote(rawName);
  if (filename === '' || filename === '.' || filename === '..' || /[/\\\u0000-\u001f]/.test(filename)) {
    throw new SegmentListLineError(`segment file name must be a bare name: ${JSON.stringify(filename.slice(0, 120))}`);
  }
  const indexMatch = /(\d{1,9})\.ts$/.exec(filename);
  if (!indexMatch) throw new SegmentListLineError(`segment file name must end in <digits>.ts: ${JSON.stringify(filename.slice(0, 120))}`);
  const start = Number(startText);
  const end = Number(endText);
  if (!(end > start)) throw new SegmentListLineError(`segment ${filename} has no duration (start ${start}, end ${end})`);
  return { filename, index: Number(indexMatch[1]), start, end, duration: end - start };
}

/** The file ffmpeg writes after `filename`: same pattern, index + 1, same zero padding. */
export function nextSegmentFilename(filename: string): string {
  return filename.replace(/(\d+)(\.ts)$/, (_all, digits: string, ext: string) => String(Number(digits) + 1).padStart(digits.length, '0') + ext);
}

function unquote(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) return name.slice(1, -1).replace(/""/g, '"');
  return name;
}
