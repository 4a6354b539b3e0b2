/**
 * `npm run simulate:scale [-- 1000 10000]`: the scale simulation (bench/simulate-scale/scenario.ts) for
 * each stream count given (default 1,000 then 10,000), printing per-partition write rates, events/s,
 * failover time and the AWS projection; exits 1 when a DynamoDB partition would run over 50 % of its limit.
 */
import { formatReport, project } from './simulate-scale/projection';
import { DEFAULT_SCENARIO } from './simulate-scale/defaults';
import { runScenario } from './simulate-scale/scenario';

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  let over = false;
  for (const streams of counts.length > 0 ? counts : [1000, 10_000]) {
    const result = await runScenario({ ...DEFAULT_SCENARIO, streams }, (line) => console.error(`  ${line}`));
    for (const line of formatReport(result)) console.log(line);
    over ||= project(result).some((p) => p.name.startsWith('DynamoDB') && p.share > 0.5);
  }
  if (over) {
    console.log('FAIL: a DynamoDB partition would run over 50 % of its write limit');
    process.exitCode = 1;
  }
}

await main();
