/**
 * The web console in the cloud: its files copied under console/ of the media bucket by the plane's own
 * deployer (exact grants), the `/console/*` and `/watch/*` behaviours of the playback distribution with
 * the SPA rewrite and their framing rules, and the API's CORS allowing exactly the console's origin.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { ConsoleSite } from '../../lib/constructs/console-site';
import { ControlApi } from '../../lib/constructs/control-api';
import { statementsOf, synthApp, testStack } from './support';
import { AccessLogBucket } from '../../lib/constructs/access-log-bucket';
import { MediaBucket } from '../../lib/constructs/media-bucket';
import { PlaybackDistribution } from '../../lib/constructs/playback-distribution';
import { DEFAULT_LAMBDA_ENTRIES } from '../../lib/stacks/lambda-entries';

const { stack, template: synthesized, violations } = synthApp();
const template = Template.fromJSON(synthesized);

describe('ConsoleSite', () => {
  it('passes cdk-nag with the console in the stack', () => {
    assert.deepEqual(violations, []);
  });

  it('copies index.html, app.js and app.css from their staged assets plus a config.json naming the API', () => {
    const [files] = Object.values(template.findResources('Custom::StreamplaneConsoleFiles'));
    assert.ok(files, 'a console files resource');
    const props = files.Properties as Record<string, unknown>;
    assert.equal(props.Prefix, 'console/');
    assert.deepEqual(props.DestinationBucket, { Ref: stack.getLogicalId(stack.media.bucket.node.defaultChild as never) });
    assert.deepEqual(
      (props.Files as Array<{ Name: string; ContentType: string }>).map((f) => [f.Name, f.ContentType]),
      [
        ['index.html', 'text/html; charset=utf-8'],
        ['app.js', 'text/javascript; charset=utf-8'],
        ['app.css', 'text/css; charset=utf-8'],
      ],
    );
    assert.match(JSON.stringify(props.Config), /apiBase/);
    assert.match(JSON.stringify(props.Config), new RegExp(stack.getLogicalId(stack.api.httpApi.node.defaultChild as never)));
  });

  it('lets the deployer read exactly the staged files and write only under console/', () => {
    const statements = statementsOf(template, stack, stack.console.deployer.role);
    const read = statements.find((s) => s.Sid === 'ReadStagedConsoleFiles')!;
    assert.equal(read.Action, 's3:GetObject');
    assert.equal((read.Resource as unknown[]).length, 3);
    for (const resource of read.Resource as unknown[]) assert.doesNotMatch(JSON.stringify(resource), /\*/);
    const write = statements.find((s) => s.Sid === 'WriteConsoleFiles')!;
    assert.deepEqual([write.Action].flat().sort(), ['s3:DeleteObject', 's3:PutObject']);
    assert.deepEqual(write.Resource, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [stack.getLogicalId(stack.media.bucket.node.defaultChild as never), 'Arn'] }, '/console/*']] });
    const other = statements.filter((s) => !['ReadStagedConsoleFiles', 'WriteConsoleFiles'].includes(String(s.Sid)));
    assert.deepEqual(other.flatMap((s) => [s.Action].flat()).filter((a) => !String(a).startsWith('logs:')), [], 'nothing but its logs besides');
  });

  it('serves /console/* and /watch/* from the bucket with the SPA rewrite; the console is never framed, the watch page may be', () => {
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const behaviors = (distribution!.Properties as { DistributionConfig: { CacheBehaviors: Array<Record<string, unknown>> } }).DistributionConfig.CacheBehaviors;
    const byPath = new Map(behaviors.map((b) => [b.PathPattern as string, b]));
    for (const path of ['/console/*', '/watch/*']) {
      const b = byPath.get(path);
      assert.ok(b, `${path} behaviour`);
      assert.equal(b.ViewerProtocolPolicy, 'redirect-to-https');
      assert.deepEqual(b.AllowedMethods, ['GET', 'HEAD']);
      assert.deepEqual((b.FunctionAssociations as Array<{ EventType: string }>).map((f) => f.EventType), ['viewer-request']);
    }
    assert.ok(byPath.has('*.m3u8'), 'the playlist behaviour stays');
    const policyOf = (path: string) => template.toJSON().Resources[(byPath.get(path)!.ResponseHeadersPolicyId as { Ref: string }).Ref].Properties.ResponseHeadersPolicyConfig;
    const consoleHeaders = policyOf('/console/*');
    assert.match(JSON.stringify(consoleHeaders.SecurityHeadersConfig.ContentSecurityPolicy), /frame-ancestors 'none'/);
    assert.equal(consoleHeaders.SecurityHeadersConfig.FrameOptions.FrameOption, 'DENY');
    const watchHeaders = policyOf('/watch/*');
    assert.match(JSON.stringify(watchHeaders.SecurityHeadersConfig.ContentSecurityPolicy), /frame-ancestors \*/);
    assert.equal(watchHeaders.SecurityHeadersConfig.FrameOptions, undefined);
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
      FunctionCode: Match.stringLikeRegexp("request.uri = '/console/index.html'"),
    });
  });

  it("allows exactly the console's origin on the API (CORS), with the headers the console sends", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^PlaybackDistribution'), 'DomainName'] }]] }],
        AllowHeaders: ['authorization', 'content-type', 'last-event-id'],
        AllowCredentials: false,
      },
    });
  });

  it('outputs the console URL', () => {
    template.hasOutput('ConsoleUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^PlaybackDistribution'), 'DomainName'] }, '/console/']] } });
  });

  it('builds its bundle for the synth, stages every file into the cloud assembly and leaves no temporary folder behind', () => {
    const temp = mkdtempSync(join(tmpdir(), 'streamplane-console-test-'));
    const outdir = join(temp, 'cdk.out');
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = temp;
    try {
      const s = new Stack(new App({ outdir }), 'Bundle');
      const logs = new AccessLogBucket(s, 'Logs', { retentionDays: 7 });
      const media = new MediaBucket(s, 'Media', { accessLogBucket: logs.bucket });
      const playback = new PlaybackDistribution(s, 'Playback', { mediaBucket: media.bucket, segmentDurationSeconds: 2, accessLogBucket: logs.bucket });
      new ConsoleSite(s, 'Console', { bucket: media.bucket, distribution: playback.distribution, apiUrl: 'https://api.example.com', deployerEntry: DEFAULT_LAMBDA_ENTRIES.consoleDeploy });
      assert.deepEqual(readdirSync(temp).filter((name) => name.startsWith('streamplane-console-')), [], 'the bundle built for the synth is removed');
      const staged = readdirSync(outdir).filter((name) => /^asset\.[0-9a-f]+\.(html|js|css)$/.test(name));
      assert.deepEqual(staged.map((name) => name.split('.').pop()).sort(), ['css', 'html', 'js']);
      for (const name of staged) assert.ok(existsSync(join(outdir, name)));
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
      rmSync(temp, { recursive: true, force: true });
    }
  });

  it('refuses a wildcard CORS origin on the API and an empty API URL', () => {
    const s = testStack('Props');
    const logs = new AccessLogBucket(s, 'Logs', { retentionDays: 7 });
    const media = new MediaBucket(s, 'Media', { accessLogBucket: logs.bucket });
    const playback = new PlaybackDistribution(s, 'Playback', { mediaBucket: media.bucket, segmentDurationSeconds: 2, accessLogBucket: logs.bucket });
    assert.throws(() => new ControlApi(s, 'Api', { handler: stack.streamRegistry.function as never, corsAllowOrigins: ['*'] }), /corsAllowOrigins must name origins/);
    assert.throws(() => new ConsoleSite(s, 'Console', { bucket: media.bucket, distribution: playback.distribution, apiUrl: '', deployerEntry: DEFAULT_LAMBDA_ENTRIES.consoleDeploy, bundleDir: '/nonexistent' }), /apiUrl must be/);
  });
});
