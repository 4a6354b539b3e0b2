/**
 * The ffmpeg command line of one pull: open the source (per-scheme input options: RTSP over TCP, socket
 * timeouts, HLS from its live edge), copy the first video and audio track unchanged, and publish FLV
 * into the ingest's own RTMP listener, where the publish gate takes it like any push.
 *
 * The source URL is NOT on the command line (it carries credentials, and every user of the machine can
 * read /proc/<pid>/cmdline): Debian's ffmpeg 5.1 cannot take an input URL from a file (`-/i` is ffmpeg 7),
 * so the input is ffmpeg's concat demuxer reading a one-entry script from stdin (`pullScript`), whose
 * `file` line is the source and whose `option` lines are the per-scheme input options. The concat
 * demuxer opens that entry with the usual protocols (rtsp, rtmp, hls over http(s), srt), limited by
 * `-protocol_whitelist`; the script never touches the disk.
 *
 * Must never: re-encode (the ladder is the transcoder's job, after the gate), put the source URL in the
 * argument list, or log the script.
 */

export interface PullArgsInput {
  sourceUrl: string;
  /** `rtmp://127.0.0.1:PORT/pull/<one-time credential>` */
  target: string;
  /** Socket read/write timeout; a source that stalls this long ends the attempt. */
  ioTimeoutSeconds?: number;
}

/** What the concat demuxer may open: the script (stdin) and the protocols of the pull schemes. */
const PROTOCOLS = ['pipe', 'rtsp', 'rtsps', 'rtp', 'srtp', 'udp', 'tcp', 'tls', 'rtmp', 'rtmps', 'srt', 'http', 'https', 'httpproxy', 'hls', 'crypto', 'data'].join(',');

export function pullArgs(input: PullArgsInput): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    // The concat demuxer probes the source itself (with the options of the script); its own probe of
    // the one entry only needs the first packets.
    '-protocol_whitelist', PROTOCOLS, '-f', 'concat', '-safe', '0', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
    '-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-f', 'flv', input.target,
  ];
}

/** Per-scheme options for opening the source (what used to precede `-i URL`). */
export function sourceOptions(sourceUrl: string, ioTimeoutSeconds = 10): Array<[string, string]> {
  const timeoutUs = String(Math.round(ioTimeoutSeconds * 1_000_000));
  const scheme = sourceUrl.slice(0, sourceUrl.indexOf(':')).toLowerCase();
  if (scheme === 'rtsp' || scheme === 'rtsps') return [['rtsp_transport', 'tcp'], ['timeout', timeoutUs]];
  if (scheme === 'http' || scheme === 'https') return [['rw_timeout', timeoutUs], ['live_start_index', '-1']];
  // SRT carries MPEG-TS whose codec headers come with the first keyframe: probing 1 s (not ffmpeg's 5 s /
  // 5 MB default) finds H.264 and AAC, and every second of probing is a second later to playable.
  if (scheme === 'srt') return [['timeout', timeoutUs], ['analyzeduration', '1000000'], ['probesize', '500000']];
  return [['rw_timeout', timeoutUs]];
}

/**
 * The concat script that names the source, written to ffmpeg's stdin. Secret-bearing: only the pull
 * process sees it. Single quotes in the URL are closed, escaped and reopened (ffconcat's quoting).
 */
export function pullScript(input: Pick<PullArgsInput, 'sourceUrl' | 'ioTimeoutSeconds'>): string {
  if (/[\u0000-\u001f\u007f]/.test(input.sourceUrl)) throw new Error('a source URL with control characters cannot be pulled');
  const quote = (value: string) => `'${value.replace(/'/g, "'\\''")}'`;
  const lines = ['ffconcat version 1.0', `file ${quote(input.sourceUrl)}`];
  for (const [name, value] of sourceOptions(input.sourceUrl, input.ioTimeoutSeconds)) lines.push(`option ${name} ${quote(value)}`);
  return `${lines.join('\n')}\n`;
}
