/**
 * `npm run soak -- [--minutes 10] [--streams 4] [--seed N] [--out soak-report.json] [--keep-data]`
 * Runs the chaos soak (bench/soak/run-soak.ts), prints the report and writes it as JSON; exits non-zero
 * unless nothing was lost, nothing regressed, no bad input got in and nothing was left behind.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { stopAll } from '../test/support/ffmpeg';
import { runSoak, summaryLine } from './soak/run-soak';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    streams: { type: 'string', default: '4' },
    seed: { type: 'string' },
    out: { type: 'string', default: 'soak-report.json' },
    'keep-data': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const streams = Number(values.streams);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!(minutes >= 1 && minutes <= 24 * 60) || !Number.isInteger(streams) || streams < 1 || streams > 32 || !Number.isInteger(seed)) {
  console.error('usage: npm run soak -- [--minutes 1..1440] [--streams 1..32] [--seed INTEGER] [--out FILE] [--keep-data]');
  process.exit(2);
}

const log = (line: string) => {
  if (values.verbose || !line.startsWith('  plane:')) console.log(line);
};
const stop = () => void stopAll().finally(() => process.exit(130));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

try {
  const report = await runSoak({ minutes, streams, seed, log, keepData: values['keep-data'] });
  await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  console.log(`soak: report written to ${values.out}`);
  console.log(report.ok ? summaryLine(report) : `${summaryLine(report)} — FAILED`);
  process.exitCode = report.ok ? 0 : 1;
} catch (err) {
  console.error('soak: aborted:', err instanceof Error ? err.stack : err);
  await stopAll();
  process.exitCode = 1;
}
