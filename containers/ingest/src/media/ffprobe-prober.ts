/**
 * Runs ffprobe over a stored library file — a path on the local plane, a presigned GET URL in the cloud —
 * and hands core the run (exit code, JSON, error lines) to interpret (core/media-library/probe-result.ts).
 * `-count_packets` makes ffprobe read every packet, so a file cut short is noticed, not just its header.
 * Must never: run through a shell, outlive its timeout, or log the input (a presigned URL is a credential).
 */
import { spawn } from 'node:child_process';
import type { MediaProber } from '../../../../core/ports/media-store';
import type { ProbeRun } from '../../../../core/media-library/probe-result';

export interface FfprobeProberOptions {
  ffprobePath?: string;
  /** Where ffprobe reads the object from (a file path or an http(s) URL). */
  inputFor(objectKey: string): Promise<string> | string;
  /** Killed after this long (exit code null → `probe_failed`). Default 120 s. */
  timeoutMs?: number;
}

const MAX_CAPTURE = 4 * 1024 * 1024;

export function ffprobeArgs(input: string): string[] {
  return ['-hide_banner', '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-count_packets', '-protocol_whitelist', 'file,http,https,tcp,tls,crypto', input];
}

export class FfprobeProber implements MediaProber {
  constructor(private readonly options: FfprobeProberOptions) {}

  async probe(objectKey: string): Promise<ProbeRun> {
    const input = await this.options.inputFor(objectKey);
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.ffprobePath ?? 'ffprobe', ffprobeArgs(input), { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (stdout.length < MAX_CAPTURE) stdout += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (stderr.length < MAX_CAPTURE) stderr += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.timeoutMs ?? 120_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ exitCode: code, stdout, stderr });
      });
    });
  }
}
