/**
 * The web console in the cloud: the bundle (built by esbuild at synth, from the same console/ sources the
 * local plane serves) is staged as single-file assets and copied into the media bucket under `console/`
 * by the plane's own deployer function (a custom resource: Node.js arm64, exact grants — CDK's
 * BucketDeployment would bring a Python function with a managed policy and wildcard actions), with a
 * `config.json` that points the app at the control API. The playback distribution serves it at
 * `/console/*` and the public watch page at `/watch/*`; a viewer-request CloudFront Function maps every
 * app path to `console/index.html` (the app routes in the browser). The console's pages may not be framed
 * (it holds a token); the watch page may, anywhere.
 *
 * The API's CORS is set by the stack from `origin` (exactly this distribution's origin).
 *
 * Must never: write outside `console/` in the bucket (prune is confined to the prefix), or make the bucket
 * public (it is read through origin access control like the HLS objects).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomResource, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { buildConsoleSync, CONSOLE_FILES } from '../../console/build';
import { PlaneFunction } from './plane-function';
import { acknowledgeWildcardResources } from './nag-acknowledgments';

/** Key prefix of the console's files in the bucket (and its path on the distribution). */
export const CONSOLE_PREFIX = 'console/';

export interface ConsoleSiteProps {
  /** Where the files go (under `console/`); the distribution's origin bucket. */
  readonly bucket: s3.IBucket;
  /** The playback distribution: `/console/*` and `/watch/*` behaviours are added to it. */
  readonly distribution: cloudfront.Distribution;
  /** The control API's base URL (`https://….execute-api….amazonaws.com`), written to config.json. */
  readonly apiUrl: string;
  /** A built console folder (index.html, app.js, app.css). @default - built by esbuild at synth */
  readonly bundleDir?: string;
  /** The deployer's handler module (lambdas/console-deploy/handler.ts). */
  readonly deployerEntry: string;
  readonly logRetention?: logs.RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

const CONTENT_TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** Rewrites app routes to the SPA's index.html; the bundle's own files pass through. */
const REWRITE_FUNCTION = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/console/app.js' || uri === '/console/app.css' || uri === '/console/config.json') return request;
  if (/^\\/console\\/[^.]*$/.test(uri) || /^\\/watch\\/[a-z]{2,4}_[A-Za-z0-9]{1,64}\\/?$/.test(uri)) {
    request.uri = '/console/index.html';
  }
  return request;
}`;

export class ConsoleSite extends Construct {
  readonly deployer: PlaneFunction;
  readonly files: CustomResource;
  readonly rewrite: cloudfront.Function;
  readonly consoleHeaders: cloudfront.ResponseHeadersPolicy;
  readonly watchHeaders: cloudfront.ResponseHeadersPolicy;
  readonly cachePolicy: cloudfront.CachePolicy;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    if (!props.apiUrl) throw new Error('ConsoleSite: apiUrl must be the control API base URL, got an empty string.');
    const built = props.bundleDir === undefined ? buildBundle() : undefined;
    const bundleDir = props.bundleDir ?? built!.dir;
    const region = Stack.of(this).region;

    this.rewrite = new cloudfront.Function(this, 'Rewrite', {
      comment: 'Console and watch page routes to console/index.html',
      code: cloudfront.FunctionCode.fromInline(REWRITE_FUNCTION),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });
    // The API is on execute-api in this region; naming the exact API here would make the distribution
    // depend on the API whose CORS depends on the distribution.
    const csp = (frameAncestors: string) =>
      [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        `connect-src 'self' https://*.execute-api.${region}.amazonaws.com`,
        'worker-src blob:',
        "base-uri 'none'",
        "form-action 'self'",
        `frame-ancestors ${frameAncestors}`,
      ].join('; ');
    const securityHeaders = (frameAncestors: string, frameOptions: boolean): cloudfront.ResponseSecurityHeadersBehavior => ({
      contentSecurityPolicy: { contentSecurityPolicy: csp(frameAncestors), override: true },
      contentTypeOptions: { override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: false, override: true },
      ...(frameOptions ? { frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true } } : {}),
    });
    this.consoleHeaders = new cloudfront.ResponseHeadersPolicy(this, 'ConsoleHeaders', {
      comment: 'Console: CSP, never framed',
      securityHeadersBehavior: securityHeaders("'none'", true),
    });
    this.watchHeaders = new cloudfront.ResponseHeadersPolicy(this, 'WatchHeaders', {
      comment: 'Watch page: CSP, embeddable anywhere',
      securityHeadersBehavior: securityHeaders('*', false),
    });

    // A minute at the edge: a deploy reaches every viewer within it, with no invalidation to grant.
    this.cachePolicy = new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'Web console files: cached one minute',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.minutes(1),
      maxTtl: Duration.minutes(1),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const origin = origins.S3BucketOrigin.withOriginAccessControl(props.bucket, { originAccessLevels: [cloudfront.AccessLevel.READ] });
    const behavior = (responseHeadersPolicy: cloudfront.IResponseHeadersPolicy): cloudfront.BehaviorOptions => ({
      origin,
      cachePolicy: this.cachePolicy,
      compress: true,
      responseHeadersPolicy,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      functionAssociations: [{ function: this.rewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    });
    props.distribution.addBehavior('/console/*', origin, behavior(this.consoleHeaders));
    props.distribution.addBehavior('/watch/*', origin, behavior(this.watchHeaders));

    // --- The files: each one a single-file asset (copied as is, no zip), read by exact key.
    this.deployer = new PlaneFunction(this, 'Deployer', {
      entry: props.deployerEntry,
      serviceName: 'console-deploy',
      description: 'Copies the web console bundle into console/ of the media bucket (custom resource)',
      timeout: Duration.minutes(2),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      ...(props.logRemovalPolicy ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
    });
    const files = CONSOLE_FILES.map((name) => {
      const asset = new s3assets.Asset(this, `Asset-${name}`, { path: join(bundleDir, name) });
      return { name, asset };
    });
    // Each asset was copied into the cloud assembly as it was created, so the bundle built for this synth
    // is no longer needed (every synth, and every CDK test, left one in the temp folder). With asset
    // staging disabled (SAM), the assets point at the bundle itself, so it stays.
    if (built && this.node.tryGetContext(cxapi.DISABLE_ASSET_STAGING_CONTEXT) !== true) rmSync(built.root, { recursive: true, force: true });
    this.deployer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadStagedConsoleFiles',
        actions: ['s3:GetObject'],
        resources: files.map(({ asset }) => `arn:${Stack.of(this).partition}:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`),
      }),
    );
    const consoleObjects = props.bucket.arnForObjects(`${CONSOLE_PREFIX}*`);
    this.deployer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'WriteConsoleFiles', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [consoleObjects] }),
    );
    acknowledgeWildcardResources(
      this.deployer.role,
      [consoleObjects],
      'The console deployer writes and removes only the fixed console files (index.html, app.js, app.css, config.json) under console/ of the media bucket; the prefix is the narrowest resource that names them before deploy.',
    );
    this.files = new CustomResource(this, 'Files', {
      serviceToken: this.deployer.functionArn,
      resourceType: 'Custom::StreamplaneConsoleFiles',
      properties: {
        SourceBucket: files[0]!.asset.s3BucketName,
        DestinationBucket: props.bucket.bucketName,
        Prefix: CONSOLE_PREFIX,
        Files: files.map(({ name, asset }) => ({ SourceKey: asset.s3ObjectKey, Name: name, ContentType: CONTENT_TYPES[name] })),
        Config: Stack.of(this).toJsonString({ apiBase: props.apiUrl, playbackBase: '' }),
      },
    });
  }

  /** `https://<distribution>` + `/console/`. */
  static urlOf(distribution: cloudfront.IDistribution): string {
    return `https://${distribution.distributionDomainName}/${CONSOLE_PREFIX}`;
  }
}

/** Builds the console into a fresh temporary folder: `root` is that folder, `dir` the bundle in it. */
function buildBundle(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'streamplane-console-'));
  const dir = join(root, 'bundle');
  buildConsoleSync(dir);
  return { root, dir };
}
