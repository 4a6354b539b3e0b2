/**
 * The origin of low-latency HLS behind CloudFront: S3 cannot hold a request, so LL-HLS playlists (and
 * parts not stored yet) are answered by the ll-playlist function (lambdas/ll-playlist), reached through
 * its function URL with IAM auth that only CloudFront's origin access control signs. The read timeout
 * covers the spec's longest hold (three target durations) with room to spare.
 *
 * Must never: make the function URL public, or let its read timeout fall under the longest hold.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export const LOW_LATENCY_ORIGIN_ID = 'low-latency-playlists';

export interface LowLatencyOriginProps {
  /** The ll-playlist function (its timeout must cover `maxHoldSeconds`). */
  readonly playlistFunction: lambda.IFunction;
  /** Longest a blocking reload is held: three target durations. @default 6 (2 s segments) */
  readonly maxHoldSeconds?: number;
}

export class LowLatencyOrigin extends Construct {
  readonly url: lambda.FunctionUrl;
  readonly origin: cloudfront.IOrigin;

  constructor(scope: Construct, id: string, props: LowLatencyOriginProps) {
    super(scope, id);
    const hold = props.maxHoldSeconds ?? 6;
    if (!Number.isInteger(hold) || hold < 1 || hold > 55) {
      throw new Error(`LowLatencyOrigin: maxHoldSeconds must be a whole number from 1 to 55 (CloudFront's longest origin read timeout is 60 s), got ${hold}.`);
    }
    this.url = props.playlistFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    this.origin = origins.FunctionUrlOrigin.withOriginAccessControl(this.url, {
      originId: LOW_LATENCY_ORIGIN_ID,
      readTimeout: Duration.seconds(Math.min(60, hold + 4)),
    });
  }
}
