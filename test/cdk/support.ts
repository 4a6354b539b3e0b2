/**
 * Shared helpers of the CDK tests: the app context of cdk.json (feature flags included, so tests build
 * exactly what `cdk synth` builds), a tiny handler module for functions under test, synth of the whole
 * app with the cdk-nag validation report read back, and asset-hash stripping for the one snapshot.
 */
import { App, NestedStack, Stack, type CfnElement } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { IConstruct } from 'constructs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type PlaneConfig } from '../../lib/config';
import { addStreamplaneStack } from '../../lib/stacks/streamplane-app';
import { DEFAULT_LAMBDA_ENTRIES, type LambdaEntries } from '../../lib/stacks/lambda-entries';
import type { StreamplaneStack } from '../../lib/stacks/streamplane-stack';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A handler module that exists and bundles in milliseconds. */
export const FIXTURE_ENTRY = join(repoRoot, 'test/cdk/fixtures/placeholder-handler.ts');

/** The "context" of cdk.json: configuration defaults and feature flags. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/** A stack in an app with the project's feature flags, its assembly written to a temp dir removed at exit. */
export function testStack(id = 'Test'): Stack {
  const outdir = mkdtempSync(join(tmpdir(), 'streamplane-cdk-'));
  process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir, context: cdkJsonContext() });
  return new Stack(app, id);
}

/** Lambda entries of the app, with the fixture standing in for handlers that are not written yet. */
export function availableEntries(): { entries: Partial<LambdaEntries>; missing: string[] } {
  const entries: { -readonly [K in keyof LambdaEntries]?: string } = {};
  const missing: string[] = [];
  for (const [name, entry] of Object.entries(DEFAULT_LAMBDA_ENTRIES) as Array<[keyof LambdaEntries, string]>) {
    if (existsSync(entry)) continue;
    entries[name] = FIXTURE_ENTRY;
    missing.push(entry.slice(repoRoot.length));
  }
  return { entries, missing };
}

export interface NagViolation {
  rule: string;
  description: string;
  paths: string[];
}

export interface SynthResult {
  stack: StreamplaneStack;
  config: PlaneConfig;
  /** The template as written to the cloud assembly. */
  template: Record<string, unknown>;
  /** cdk-nag findings that were not acknowledged (empty when the synth passed validation). */
  violations: NagViolation[];
  /** The cloud assembly (asset folders included), removed at exit. */
  outdir: string;
}

/**
 * Synthesizes the app as bin/app.ts does (cdk-nag plugin included) with `overrides` on top of cdk.json.
 * A validation failure is returned as data so the test can show every finding.
 */
export function synthApp(overrides: Record<string, unknown> = {}, options: { ingestImage?: ecs.ContainerImage; outdirParent?: string } = {}): SynthResult {
  const outdir = mkdtempSync(join(options.outdirParent ?? tmpdir(), 'streamplane-app-'));
  process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...overrides } });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const stack = addStreamplaneStack(app, config, { lambdaEntries: availableEntries().entries, ...(options.ingestImage ? { ingestImage: options.ingestImage } : {}) });
  let failed: unknown;
  try {
    app.synth();
  } catch (err) {
    failed = err;
  }
  const reportPath = join(outdir, 'validation-report.json');
  const violations: NagViolation[] = [];
  if (existsSync(reportPath)) {
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
      pluginReports: Array<{ violations: Array<{ ruleName: string; description: string; violatingConstructs?: Array<{ constructPath: string }> }> }>;
    };
    for (const plugin of report.pluginReports) {
      for (const v of plugin.violations) violations.push({ rule: v.ruleName, description: v.description, paths: (v.violatingConstructs ?? []).map((c) => c.constructPath) });
    }
  }
  if (failed && violations.length === 0) throw failed;
  const templatePath = join(outdir, `${stack.artifactId}.template.json`);
  const template = existsSync(templatePath) ? (JSON.parse(readFileSync(templatePath, 'utf8')) as Record<string, unknown>) : {};
  return { stack, config, template, violations, outdir };
}

/**
 * The template with everything derived from asset contents replaced by a constant: Lambda code keys,
 * container image tags, bundle hashes in descriptions. Other engineers' handler edits then leave the
 * snapshot alone; a change of infrastructure does not.
 */
export function stripAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template), (_key, value: unknown) => {
    if (typeof value === 'string') return value.replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1');
    // CDK sorts some lists (policy resources) by value, so their order follows the hashes: sort them once stripped.
    if (Array.isArray(value) && value.length > 1 && value.every((item) => JSON.stringify(item).includes('<asset-hash>'))) {
      return [...value].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
    return value;
  });
}

/** Every statement of the inline policies attached to `role` (a role construct of `stack`). */
export function statementsOf(template: { toJSON(): Record<string, unknown> }, stack: Stack, role: IConstruct): Array<Record<string, unknown>> {
  const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
  const resources = (template.toJSON().Resources ?? {}) as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const statements: Array<Record<string, unknown>> = [];
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties.Roles ?? []) as Array<{ Ref?: string }>;
    if (!roles.some((r) => r.Ref === roleId)) continue;
    statements.push(...((resource.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement));
  }
  return statements;
}

/** Actions of a statement as a sorted list. */
export function actionsOf(statement: Record<string, unknown>): string[] {
  const action = statement.Action;
  return (Array.isArray(action) ? [...(action as string[])] : [action as string]).sort();
}

/** A synthesized template of the app: the plane's stack or one of its nested stacks (ingest cells 2…). */
export interface StackTemplate {
  stack: Stack;
  template: { Resources: Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: unknown }>; Outputs?: Record<string, unknown>; Parameters?: Record<string, unknown> };
}

/** The plane's template first, then every nested stack's, read back from the cloud assembly. */
export function stackTemplates(synth: SynthResult): StackTemplate[] {
  const nested = synth.stack.node.findAll().filter((c): c is NestedStack => NestedStack.isNestedStack(c));
  return [
    { stack: synth.stack, template: synth.template as unknown as StackTemplate['template'] },
    ...nested.map((stack) => ({ stack, template: JSON.parse(readFileSync(join(synth.outdir, stack.templateFile), 'utf8')) as StackTemplate['template'] })),
  ];
}
