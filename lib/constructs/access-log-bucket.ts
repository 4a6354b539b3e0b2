/**
 * The bucket that receives access logs of the plane's other buckets (S3 server access logs) and of the
 * CloudFront distribution (standard logs). Private, encrypted, TLS-only, and emptied by a lifecycle rule
 * after the log retention. CloudFront's standard logging writes through bucket ACLs, which is why object
 * ownership is "bucket owner preferred" here and only here.
 *
 * Must never: be public, or log into itself (that would loop).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AccessLogBucketProps {
  /** Days log objects are kept. @default 30 */
  readonly retentionDays?: number;
  /** What `cdk destroy` does to the bucket (DESTROY also empties it). @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class AccessLogBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps = {}) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 30;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new Error(`AccessLogBucket: retentionDays must be a whole number of days of at least 1, got ${retentionDays}.`);
    }
    const destroy = props.removalPolicy === RemovalPolicy.DESTROY;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: destroy,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging its own access into itself would loop, and a second log bucket would only move the finding.',
    });
  }
}
