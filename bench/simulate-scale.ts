/**
 * `npm run simulate:scale [-- 1000 10000]`: the scale simulation (bench/simulate-scale/scenario.ts) for
 * each stream count given (default 1,000 then 10,000), printing per-partition write rates, events/s,
 * failover time and the AWS projection; exits 1 when a DynamoDB partition would run over 50 % of its limit.
 * Each run's raw result goes to `.bench/simulate-scale-<streams>.json` (and each phase, as it ends, to
 * `….phases.json`); `--report FILE…` reprints the
 * report (with the current projection) from saved results without running anything.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { formatReport, project } from './simulate-scale/projection';
import { DEFAULT_SCENARIO } from './simulate-scale/defaults';
import { runScenario, type PhaseResult, type ScenarioResult } from './simulate-scale/scenario';

async function* results(args: string[]): AsyncGenerator<ScenarioResult> {
  if (args[0] === '--report') {
    for (const file of args.slice(1)) yield JSON.parse(await readFile(file, 'utf8')) as ScenarioResult;
    return;
  }
  const counts = args.map(Number).filter((n) => Number.isInteger(n) && n > 0);
  await mkdir('.bench', { recursive: true });
  for (const streams of counts.length > 0 ? counts : [1000, 10_000]) {
    const done: PhaseResult[] = [];
    const result = await runScenario(
      { ...DEFAULT_SCENARIO, streams },
      (line) => console.error(`  ${new Date().toISOString().slice(11, 19)} ${line}`),
      async (phase) => {
        done.push(phase);
        await writeFile(`.bench/simulate-scale-${streams}.phases.json`, JSON.stringify(done, null, 2));
      },
    );
    await writeFile(`.bench/simulate-scale-${streams}.json`, JSON.stringify(result, null, 2));
    yield result;
  }
}

async function main(): Promise<void> {
  let over = false;
  for await (const result of results(process.argv.slice(2))) {
    for (const line of formatReport(result)) console.log(line);
    over ||= project(result).some((p) => p.name.startsWith('DynamoDB') && p.share > 0.5);
  }
  if (over) {
    console.log('FAIL: a DynamoDB partition would run over 50 % of its write limit');
    process.exitCode = 1;
  }
}

await main();
