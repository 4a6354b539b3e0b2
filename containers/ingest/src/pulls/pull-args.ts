/**
 * The ffmpeg command line of one pull: open the source (per-scheme input options: RTSP over TCP, socket
 * timeouts, HLS from its live edge), copy the first video and audio track unchanged, and publish FLV
 * into the ingest's own RTMP listener, where the publish gate takes it like any push.
 *
 * Must never: re-encode (the ladder is the transcoder's job, after the gate), or log these arguments
 * (the source URL holds credentials).
 */

export interface PullArgsInput {
  sourceUrl: string;
  /** `rtmp://127.0.0.1:PORT/pull/<one-time credential>` */
  target: string;
  /** Socket read/write timeout; a source that stalls this long ends the attempt. */
  ioTimeoutSeconds?: number;
}

export function pullArgs(input: PullArgsInput): string[] {
  const timeoutUs = String(Math.round((input.ioTimeoutSeconds ?? 10) * 1_000_000));
  const scheme = input.sourceUrl.slice(0, input.sourceUrl.indexOf(':')).toLowerCase();
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  if (scheme === 'rtsp' || scheme === 'rtsps') args.push('-rtsp_transport', 'tcp', '-timeout', timeoutUs);
  else if (scheme === 'http' || scheme === 'https') args.push('-rw_timeout', timeoutUs, '-live_start_index', '-1');
  else if (scheme === 'srt') args.push('-timeout', timeoutUs);
  else args.push('-rw_timeout', timeoutUs);
  args.push('-i', input.sourceUrl);
  args.push('-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-f', 'flv', input.target);
  return args;
}
