/**
 * Deployment configuration of the cloud plane: read once from CDK context (`cdk.json` → "context", or
 * `-c key=value` on the command line), validated, and handed to the stacks as one typed object. A bad
 * value stops the synth with a message that names the key, what was given and what is expected.
 *
 * Values given with `-c` always arrive as strings, so numbers, booleans and lists are accepted both as
 * JSON values (cdk.json) and as their string spellings (`-c ladder=1080,720`).
 *
 * Must never: read `process.env` (the CDK app entry decides the environment), or hold a secret — the
 * only credential of the plane (the API token) is generated in Secrets Manager at deploy time.
 */
import { z } from 'zod';
import { ConfigError } from '../core/config/env';
import { MAX_INGEST_CELLS } from '../core/cells/ingest-cells';
import { cellCapacityProblems } from './cell-limits';

/** Every context key this app reads, with what it means; the README table is generated from the same words. */
export const CONFIG_KEYS = {
  stackPrefix: 'Prefix of the stack names (several planes can live in one account and region).',
  account: 'AWS account to deploy to; omit for an environment-agnostic synth (the default).',
  region: 'AWS region to deploy to; omit for an environment-agnostic synth (the default).',
  ladder: 'Rendition heights of the HLS ladder, highest first.',
  segmentDurationSeconds: 'HLS segment duration; playlists are cached at the edge for about this long.',
  reconnectWindowSeconds: 'Default reconnect window of new streams that do not set their own (seconds an encoder may take to come back).',
  certificateArn: 'ACM certificate for RTMPS: adds a TLS listener on 443 that forwards to the ingest.',
  ingestDomainName: 'DNS name you point at the NLB (CNAME); with a certificate for it, the API hands out rtmps://<name>/live.',
  ingestAllowedCidrs: 'IPv4 ranges allowed to connect to the ingest (RTMP 1935 and RTMPS 443).',
  ingestArchitecture: 'CPU architecture of the ingest tasks (arm64 is Graviton, about 20% cheaper).',
  ingestCpu: 'CPU units per ingest task (1024 = 1 vCPU).',
  ingestMemoryMiB: 'Memory per ingest task in MiB; must be valid for the CPU size on Fargate.',
  ingestMinTasks: 'Ingest tasks always running (per ingest cell).',
  ingestMaxTasks: 'Upper bound of the ingest autoscaling, per ingest cell: each cell\'s subnets and NLB must hold twice this many tasks (a deploy starts the new tasks before the old ones stop).',
  ingestCells: `Ingest cells: each is an NLB with its own ingest service and subnets, all sharing one control plane; new streams go to the least loaded cell and stay there (at most ${MAX_INGEST_CELLS}).`,
  ingestCellSubnetMask: 'Prefix length of each ingest cell\'s two subnets (one per zone); cell 1 is the plane\'s public subnets. Fixed once deployed (a change replaces the subnets).',
  maxPullsPerTask: 'Pulls (streams with a source URL) one ingest task runs at once; further starts wait queued for a free slot.',
  ingestDrainSeconds: 'How long a draining ingest task (old revision during a deploy, or stopping) waits for its live publishers to reconnect elsewhere before closing them.',
  ingestSpotPercent: 'Percent of the ingest tasks beyond ingestOnDemandBase that run on Fargate Spot (about half the price or less; an interrupted task gets SIGTERM two minutes ahead and hands its streams off as in a deploy); default 100 (all but the on-demand base); 0 runs all on demand.',
  livePlaylists: 'How live media playlists are stored: "bundle" writes one object per stream per segment holding every rendition\'s playlist, served per rendition by the playlist origin function behind CloudFront (fewer S3 PUTs); "objects" writes each rendition\'s index.m3u8 to S3, served by S3.',
  segmentObjects: 'How live TS segments are stored: "round" writes one S3 object per segment round holding every rendition\'s segment back to back, named per rendition by EXT-X-BYTERANGE and served as CloudFront range requests from S3 (one PUT per round instead of one per rendition; the copied top rung waits up to 1 s for the encoded ones); "rendition" writes one object per rendition per segment. Low-latency sessions keep their own layout.',
  ingestOnDemandBase: 'Ingest tasks always placed on regular (on-demand) Fargate before any Spot task, so the ingest stays up when Spot has no capacity; used with ingestSpotPercent.',
  apiRateLimitPerFiveMinutes: 'Requests one client address may send to the control API in any 5 minutes (CloudFront + AWS WAF rate-based rule in front of the API); 0 turns the rate limit off. Needs region us-east-1.',
  publishAuthReservedConcurrency: 'Concurrent executions reserved for the publish-auth function (so no other function can starve publishes); 0 reserves none.',
  liveRetentionDays: 'Days live segments are kept under live/ (recordings are kept separately).',
  recordingRetentionDays: 'Days recordings are kept under recordings/; 0 keeps them until deleted.',
  logRetentionDays: 'Retention of CloudWatch log groups and access-log objects.',
  removalPolicy: 'What `cdk destroy` does to the table and buckets: retain them, or destroy them with their data.',
  alarmEmail: 'Optional address subscribed to the alarm topic.',
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** What a valid value looks like, for error messages. */
const EXPECTED: Record<ConfigKey, string> = {
  stackPrefix: 'letters, digits and hyphens, starting with a letter (at most 40)',
  account: 'a 12-digit AWS account id',
  region: 'a region name such as us-east-1',
  ladder: '1 to 6 distinct rendition heights from 144 to 2160, highest first (e.g. 1080,720,480,360)',
  segmentDurationSeconds: 'a whole number of seconds from 1 to 10',
  reconnectWindowSeconds: 'a whole number of seconds from 0 to 1800',
  certificateArn: 'an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
  ingestDomainName: 'a lower-case DNS name such as ingest.example.com',
  ingestAllowedCidrs: '1 to 50 IPv4 CIDR ranges such as 203.0.113.0/24 (a JSON list or comma-separated)',
  ingestArchitecture: '"arm64" or "x86_64"',
  ingestCpu: 'one of the Fargate CPU sizes 256, 512, 1024, 2048, 4096, 8192, 16384',
  ingestMemoryMiB: 'a Fargate memory size in MiB that fits ingestCpu',
  ingestMinTasks: 'a whole number from 1 to 100',
  ingestMaxTasks: 'a whole number from 1 to 100, at least ingestMinTasks',
  ingestCells: `a whole number from 1 to ${MAX_INGEST_CELLS}`,
  ingestCellSubnetMask: 'a whole number from 16 to 28 (the prefix length of a /16 VPC\'s subnets)',
  maxPullsPerTask: 'a whole number from 1 to 100',
  ingestDrainSeconds: 'a whole number of seconds from 5 to 60 (the drain and the flush after it fit in the 120 s stop timeout)',
  ingestSpotPercent: 'a whole number from 0 to 100',
  livePlaylists: '"bundle" or "objects"',
  segmentObjects: '"round" or "rendition"',
  ingestOnDemandBase: 'a whole number from 0 to 100, at least 1 when ingestSpotPercent is above 0',
  publishAuthReservedConcurrency: 'a whole number from 0 to 1000',
  apiRateLimitPerFiveMinutes: 'a whole number: 0 (off) or from 10 to 2000000000',
  liveRetentionDays: 'a whole number of days from 1 to 365',
  recordingRetentionDays: 'a whole number of days from 0 (keep) to 36500',
  logRetentionDays: 'a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
  removalPolicy: '"retain" or "destroy"',
  alarmEmail: 'an email address',
};

/** Fargate's valid memory sizes (MiB) per CPU size. */
const FARGATE_MEMORY: Record<number, { min: number; max: number; step: number; extra?: number[] }> = {
  256: { min: 512, max: 2048, step: 512, extra: [512, 1024, 2048] },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** A number given as a JSON number or as its decimal spelling. */
function numberFrom(schema: z.ZodNumber) {
  return z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value), schema);
}

/** A list given as a JSON array, a JSON array in a string, or a comma-separated string. */
function listFrom<T extends z.ZodType>(item: T) {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return value;
      }
    }
    return text === '' ? [] : text.split(',').map((part) => part.trim());
  }, z.array(item));
}

const height = numberFrom(z.number().int().min(144).max(2160));

const schema = z
  .object({
    stackPrefix: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,39}$/, 'expected letters, digits and hyphens, starting with a letter (at most 40)'),
    account: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id').optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region name such as us-east-1').optional(),
    ladder: listFrom(height)
      .refine((list) => list.length >= 1 && list.length <= 6, 'expected 1 to 6 rendition heights')
      .refine((list) => list.every((h, i) => i === 0 || h < (list[i - 1] as number)), 'expected distinct heights, highest first (e.g. 1080,720,480,360)'),
    segmentDurationSeconds: numberFrom(z.number().int('expected a whole number of seconds').min(1).max(10)),
    reconnectWindowSeconds: numberFrom(z.number().int('expected a whole number of seconds').min(0).max(1800)),
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, 'expected an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)')
      .optional(),
    ingestDomainName: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'expected a lower-case DNS name such as ingest.example.com')
      .optional(),
    ingestAllowedCidrs: listFrom(z.string().regex(IPV4_CIDR, 'expected an IPv4 CIDR such as 203.0.113.0/24')).refine(
      (list) => list.length >= 1 && list.length <= 50,
      'expected 1 to 50 CIDR ranges',
    ),
    ingestArchitecture: z.enum(['arm64', 'x86_64']),
    livePlaylists: z.enum(['bundle', 'objects']),
    segmentObjects: z.enum(['round', 'rendition']),
    ingestCpu: numberFrom(z.number().int()).refine((cpu) => cpu in FARGATE_MEMORY, `expected one of ${Object.keys(FARGATE_MEMORY).join(', ')}`),
    ingestMemoryMiB: numberFrom(z.number().int()),
    ingestMinTasks: numberFrom(z.number().int().min(1).max(100)),
    ingestMaxTasks: numberFrom(z.number().int().min(1).max(100)),
    ingestCells: numberFrom(z.number().int().min(1).max(MAX_INGEST_CELLS)),
    ingestCellSubnetMask: numberFrom(z.number().int().min(16).max(28)),
    maxPullsPerTask: numberFrom(z.number().int().min(1).max(100)),
    ingestDrainSeconds: numberFrom(z.number().int().min(5).max(60)),
    ingestSpotPercent: numberFrom(z.number().int().min(0).max(100)),
    ingestOnDemandBase: numberFrom(z.number().int().min(0).max(100)),
    publishAuthReservedConcurrency: numberFrom(z.number().int().min(0).max(1000)),
    apiRateLimitPerFiveMinutes: numberFrom(z.number().int().min(0).max(2_000_000_000)).refine((n) => n === 0 || n >= 10, 'expected 0 (off) or at least 10 (WAF\'s smallest rate limit)'),
    liveRetentionDays: numberFrom(z.number().int().min(1).max(365)),
    recordingRetentionDays: numberFrom(z.number().int().min(0).max(36500)),
    logRetentionDays: numberFrom(z.number().int()).refine(
      (days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days),
      `expected one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    ),
    removalPolicy: z.enum(['retain', 'destroy']),
    alarmEmail: z.email('expected an email address').optional(),
  })
  .superRefine((c, ctx) => {
    if (c.ingestDomainName && !c.certificateArn) {
      ctx.addIssue({ code: 'custom', path: ['ingestDomainName'], message: 'only means something with certificateArn (RTMPS needs a certificate for that name)' });
    }
    if (c.apiRateLimitPerFiveMinutes > 0 && c.region !== 'us-east-1') {
      ctx.addIssue({
        code: 'custom',
        path: ['apiRateLimitPerFiveMinutes'],
        message: `needs region us-east-1 (a WAF web ACL for CloudFront lives there; got region ${c.region ?? 'unset'}): set -c region=us-east-1 -c account=<id>, or 0`,
      });
    }
    if (c.ingestSpotPercent > 0 && c.ingestOnDemandBase < 1) {
      ctx.addIssue({ code: 'custom', path: ['ingestOnDemandBase'], message: 'expected at least 1 with ingestSpotPercent above 0 (Fargate Spot may have no capacity at all)' });
    }
    if (c.ingestMaxTasks < c.ingestMinTasks) {
      ctx.addIssue({ code: 'custom', path: ['ingestMaxTasks'], message: `expected at least ingestMinTasks (${c.ingestMinTasks})` });
    }
    for (const problem of cellCapacityProblems({ cells: c.ingestCells, subnetMask: c.ingestCellSubnetMask, maxTasks: c.ingestMaxTasks })) {
      ctx.addIssue({ code: 'custom', path: [problem.key], message: problem.message });
    }
    const memory = FARGATE_MEMORY[c.ingestCpu];
    if (memory) {
      const valid = memory.extra ? memory.extra.includes(c.ingestMemoryMiB) : c.ingestMemoryMiB >= memory.min && c.ingestMemoryMiB <= memory.max && c.ingestMemoryMiB % memory.step === 0;
      if (!valid) {
        ctx.addIssue({
          code: 'custom',
          path: ['ingestMemoryMiB'],
          message: `expected a Fargate memory size for ${c.ingestCpu} CPU units: ${memory.extra ? memory.extra.join(', ') : `${memory.min} to ${memory.max} in steps of ${memory.step}`}`,
        });
      }
    }
  });

export type PlaneConfig = z.infer<typeof schema>;

/** The defaults; cdk.json repeats them so they are visible and editable in one place. */
export const DEFAULT_CONFIG: PlaneConfig = {
  stackPrefix: 'Streamplane',
  ladder: [1080, 720, 480, 360],
  segmentDurationSeconds: 2,
  reconnectWindowSeconds: 60,
  ingestAllowedCidrs: ['0.0.0.0/0'],
  ingestArchitecture: 'arm64',
  livePlaylists: 'bundle',
  segmentObjects: 'round',
  ingestCpu: 2048,
  ingestMemoryMiB: 4096,
  ingestMinTasks: 1,
  ingestMaxTasks: 4,
  ingestCells: 1,
  ingestCellSubnetMask: 24,
  maxPullsPerTask: 4,
  ingestDrainSeconds: 30,
  ingestSpotPercent: 100,
  ingestOnDemandBase: 1,
  publishAuthReservedConcurrency: 20,
  apiRateLimitPerFiveMinutes: 0,
  liveRetentionDays: 1,
  recordingRetentionDays: 0,
  logRetentionDays: 30,
  removalPolicy: 'retain',
};

export { ConfigError };

/** The message of a refused context: every problem, each naming its key. */
function contextProblemsMessage(problems: ReadonlyArray<{ key: string; message: string }>): string {
  return `Invalid Streamplane configuration (CDK context, set in cdk.json or with -c key=value):\n${problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n')}`;
}

/** Reads a context value; CDK returns `undefined` for keys that are not set. */
export type ContextReader = (key: string) => unknown;

/**
 * Validates the context keys of the app. Unset (or empty-string) keys take their default; a set key that
 * is invalid is an error naming it, never silently replaced by the default.
 */
export function loadConfig(read: ContextReader): PlaneConfig {
  const given: Record<string, unknown> = {};
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
    const value = read(key);
    given[key] = value === undefined || value === null || value === '' ? DEFAULT_CONFIG[key] : value;
  }
  const parsed = schema.safeParse(given);
  // Unset optional keys are left out rather than present as `undefined`.
  if (parsed.success) return Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined)) as PlaneConfig;
  const problems = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'context');
    if (problems.has(key)) continue;
    const value = given[key];
    const shown = value === undefined ? 'nothing' : JSON.stringify(value);
    // Our own checks say precisely what is wrong; for the rest, say what a valid value looks like.
    const expected = issue.code === 'custom' ? issue.message : `expected ${EXPECTED[key as ConfigKey] ?? 'a valid value'}`;
    problems.set(key, `${expected} (got ${shown})`);
  }
  const list = [...problems].map(([key, message]) => ({ key, message }));
  throw new ConfigError(contextProblemsMessage(list), { key: list[0]?.key ?? 'context', problems: list });
}
