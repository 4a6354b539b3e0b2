/**
 * Signed playback at the CDN edge. A CloudFront Function (lib/edge/playback-edge.js, viewer request, on
 * every media behavior) reads a KeyValueStore holding which ids are signed (`p:<id>`), which playback
 * keys exist (`k:<id>`), revoked viewers (`r:<viewerId>`) and the derived-token secret:
 *   - public ids: one KVS read, the request goes on to S3 unchanged;
 *   - media playlists and segments of signed ids: the HMAC derived token is checked right there;
 *   - master playlists of signed ids: routed to the playback-auth Lambda (function URL behind origin
 *     access control), which verifies the ES256 viewer token and rewrites the URIs.
 * A second function (viewer response) answers CORS with a token's checked `allowedOrigin` rather than `*`.
 * Why not Lambda@Edge for everything: it would run (and bill) on every segment request; CloudFront
 * Functions cost a sixth and run in every edge location, and masters are one request per viewer.
 * Why not CloudFront signed cookies: they need the player to carry cookies across origins
 * (withCredentials in hls.js, unreliable in AVPlayer/VLC) and an RSA key pair per distribution.
 *
 * Must never: leave the function URL callable without IAM auth, or put the secret in the template.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { REPO_ROOT } from './ingest-service';

/** The origin id the edge function selects for signed masters (`cf.selectRequestOriginById`). */
export const PLAYBACK_AUTH_ORIGIN_ID = 'playback-auth';
export const PLAYBACK_EDGE_CODE = join(REPO_ROOT, 'lib', 'edge', 'playback-edge.js');
export const PLAYBACK_EDGE_RESPONSE_CODE = join(REPO_ROOT, 'lib', 'edge', 'playback-edge-response.js');

export interface PlaybackEdgeProps {
  /** The playback-auth Lambda (lambdas/playback-auth/handler.ts) serving signed master playlists. */
  readonly authFunction: lambda.IFunction;
  /** What happens to the derived-token secret when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly secretRemovalPolicy?: RemovalPolicy;
}

export class PlaybackEdge extends Construct {
  readonly keyValueStore: cloudfront.KeyValueStore;
  readonly viewerRequest: cloudfront.Function;
  /** Answers CORS with a token's checked `allowedOrigin` instead of `*` (lib/edge/playback-edge-response.js). */
  readonly viewerResponse: cloudfront.Function;
  readonly authOrigin: cloudfront.IOrigin;
  readonly authUrl: lambda.FunctionUrl;
  /** The derived-token HMAC secret: 64 hex characters, generated at deploy time. */
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: PlaybackEdgeProps) {
    super(scope, id);
    this.keyValueStore = new cloudfront.KeyValueStore(this, 'Store', { comment: 'Streamplane signed playback: policies, keys, revocations, secret' });
    this.viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      comment: 'Streamplane signed playback check (derived tokens; masters to playback-auth)',
      code: cloudfront.FunctionCode.fromFile({ filePath: PLAYBACK_EDGE_CODE }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      keyValueStore: this.keyValueStore,
    });
    this.viewerResponse = new cloudfront.Function(this, 'ViewerResponse', {
      comment: 'Streamplane signed playback CORS (echo a token\'s allowed origin)',
      code: cloudfront.FunctionCode.fromFile({ filePath: PLAYBACK_EDGE_RESPONSE_CODE }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });
    this.secret = new secretsmanager.Secret(this, 'DerivedTokenSecret', {
      description: 'HMAC secret of Streamplane derived playback tokens (64 hex characters)',
      // Only 0-9 and a-f remain: a hex string the edge function decodes.
      generateSecretString: { passwordLength: 64, excludeUppercase: true, excludePunctuation: true, includeSpace: false, excludeCharacters: 'ghijklmnopqrstuvwxyz' },
      removalPolicy: props.secretRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the derived-token secret invalidates every playback URL handed out; it is rotated by hand (put a new value, then the edge sync copies it) when an operator decides to cut all viewers off.',
    });
    this.authUrl = props.authFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    this.authOrigin = origins.FunctionUrlOrigin.withOriginAccessControl(this.authUrl, {
      originId: PLAYBACK_AUTH_ORIGIN_ID,
      readTimeout: Duration.seconds(10),
    });
  }

  /** The edge sync and the playback API write the store (KeyValueStore data plane, SigV4A). */
  grantWriteStore(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:GetKey', 'cloudfront-keyvaluestore:PutKey', 'cloudfront-keyvaluestore:DeleteKey'],
      resourceArns: [this.keyValueStore.keyValueStoreArn],
    });
  }
}
