/**
 * The deployment configuration: defaults when nothing is set, values from cdk.json or `-c` strings, and
 * errors that name the bad key with what was given and what is expected.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, CONFIG_KEYS, DEFAULT_CONFIG, loadConfig } from '../../lib/config';
import { cdkJsonContext } from './support';

const from = (context: Record<string, unknown>) => loadConfig((key) => context[key]);

function problemsOf(context: Record<string, unknown>): Map<string, string> {
  try {
    from(context);
  } catch (err) {
    assert.ok(err instanceof ConfigError, 'expected a ConfigError');
    return new Map(err.problems.map((p) => [p.key, p.message]));
  }
  assert.fail('expected the configuration to be refused');
}

describe('deployment configuration', () => {
  it('uses the defaults when no key is set', () => {
    assert.deepEqual(from({}), DEFAULT_CONFIG);
  });

  it('cdk.json repeats exactly the defaults', () => {
    const context = cdkJsonContext();
    const configured = Object.fromEntries(Object.keys(CONFIG_KEYS).filter((k) => k in context).map((k) => [k, context[k]]));
    assert.deepEqual(from(configured), DEFAULT_CONFIG);
  });

  it('accepts the string spellings `-c key=value` produces', () => {
    const config = from({
      ladder: '720,480',
      segmentDurationSeconds: '4',
      reconnectWindowSeconds: '0',
      ingestAllowedCidrs: '["203.0.113.0/24","198.51.100.7/32"]',
      ingestMinTasks: '2',
      ingestMaxTasks: '6',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc',
      ingestDomainName: 'ingest.example.com',
      removalPolicy: 'destroy',
    });
    assert.deepEqual(config.ladder, [720, 480]);
    assert.equal(config.segmentDurationSeconds, 4);
    assert.equal(config.reconnectWindowSeconds, 0);
    assert.deepEqual(config.ingestAllowedCidrs, ['203.0.113.0/24', '198.51.100.7/32']);
    assert.equal(config.ingestMaxTasks, 6);
    assert.equal(config.removalPolicy, 'destroy');
  });

  it('names every bad key with the value given and what is expected', () => {
    const problems = problemsOf({ segmentDurationSeconds: 'abc', ladder: [720, 1080], ingestAllowedCidrs: '10.0.0.0/33', removalPolicy: 'keep' });
    assert.deepEqual([...problems.keys()].sort(), ['ingestAllowedCidrs', 'ladder', 'removalPolicy', 'segmentDurationSeconds']);
    assert.match(problems.get('segmentDurationSeconds') ?? '', /whole number of seconds from 1 to 10 \(got "abc"\)/);
    assert.match(problems.get('ladder') ?? '', /highest first .*\(got \[720,1080\]\)/);
    assert.match(problems.get('ingestAllowedCidrs') ?? '', /IPv4 CIDR.*\(got "10\.0\.0\.0\/33"\)/);
    assert.match(problems.get('removalPolicy') ?? '', /"retain" or "destroy" \(got "keep"\)/);
  });

  it('puts the key names into the error message', () => {
    assert.throws(() => from({ logRetentionDays: 31 }), (err: unknown) => err instanceof ConfigError && /- logRetentionDays: .*\(got 31\)/.test(err.message));
  });

  it('refuses combinations that cannot deploy', () => {
    assert.match(problemsOf({ ingestMinTasks: 3, ingestMaxTasks: 2 }).get('ingestMaxTasks') ?? '', /at least ingestMinTasks \(3\)/);
    assert.match(problemsOf({ ingestCpu: 1024, ingestMemoryMiB: 1024 }).get('ingestMemoryMiB') ?? '', /2048 to 8192/);
    assert.match(problemsOf({ ingestDomainName: 'ingest.example.com' }).get('ingestDomainName') ?? '', /certificateArn/);
  });

  it('is documented key by key in the deploy guide', () => {
    const guide = readFileSync(new URL('../../docs/deploy-aws.md', import.meta.url), 'utf8');
    const table = guide.slice(guide.indexOf('### Configuration keys'), guide.indexOf('### Outputs'));
    for (const key of Object.keys(CONFIG_KEYS)) assert.ok(table.includes(`\`${key}\``), `docs/deploy-aws.md does not document ${key}`);
  });

  it('never silently replaces a set but invalid value by its default', () => {
    assert.ok(problemsOf({ ingestArchitecture: 'ARM' }).has('ingestArchitecture'));
  });
});
