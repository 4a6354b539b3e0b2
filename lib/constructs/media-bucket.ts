/**
 * The media bucket: HLS segments and playlists of live streams under `live/`, recordings under
 * `recordings/`. Private (only CloudFront reads it, through origin access control), encrypted, TLS-only,
 * access-logged. Live segments that are not part of a recording expire by lifecycle after a short
 * retention (counted from each object's last write: the packager rewrites a running session's masters
 * well inside it, core/media/live-refresh.ts, so only ended sessions' objects ever expire); recordings are kept, or — with a recording retention — expire a grace period after it, as a
 * backstop behind the retention sweeper.
 *
 * Grants name the prefix they allow and the object actions of one role, so the ingest can write under
 * `live/` and `recordings/` and nothing else, the finalizer reads and writes recordings but deletes
 * nothing, and the recordings API deletes recordings but reads no media. Listing is confined to the
 * same prefix with an `s3:prefix` condition.
 *
 * Must never: allow public access, or grant object actions on the whole bucket.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LIBRARY_PREFIX, LIVE_PREFIX, RECORDINGS_PREFIX, type MediaPrefix } from '../../core/media/layout';
import { LIVE_OBJECT_REFRESH_MS, liveRetentionCoversRefresh } from '../../core/media/live-refresh';
import { acknowledgeWildcardResources } from './nag-acknowledgments';

// The prefixes come from the one layout every writer, reader and sweeper uses, so grants and lifecycle
// rules cannot drift from where the packager and the finalizer put things.
export { LIVE_PREFIX, RECORDINGS_PREFIX, type MediaPrefix } from '../../core/media/layout';

/** Folders grants can name: the served media, and the media library (`media/`, never served). */
export type BucketFolder = MediaPrefix | typeof LIBRARY_PREFIX;

/**
 * Days the lifecycle rule on `recordings/` waits beyond the recording retention: the sweeper deletes a
 * recording's record with its media first, so the rule only ever removes what it missed, and never media
 * whose record the API still lists.
 */
export const RECORDING_EXPIRY_GRACE_DAYS = 2;

export interface MediaBucketProps {
  /** Where S3 server access logs go. */
  readonly accessLogBucket: s3.IBucket;
  /** Days live segments are kept under `live/`. @default 1 */
  readonly liveRetentionDays?: number;
  /**
   * Days recordings are kept; 0 keeps them until deleted. The retention sweeper deletes a recording (its
   * record and its folder) after this many days; a lifecycle rule expires objects under `recordings/`
   * RECORDING_EXPIRY_GRACE_DAYS later, as a backstop behind it. @default 0
   */
  readonly recordingRetentionDays?: number;
  /** What `cdk destroy` does to the bucket (DESTROY also empties it). @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class MediaBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: MediaBucketProps) {
    super(scope, id);
    const liveRetentionDays = props.liveRetentionDays ?? 1;
    const recordingRetentionDays = props.recordingRetentionDays ?? 0;
    if (!Number.isInteger(liveRetentionDays) || liveRetentionDays < 1) {
      throw new Error(`MediaBucket: liveRetentionDays must be a whole number of days of at least 1, got ${liveRetentionDays}.`);
    }
    // The packager rewrites write-once live objects (masters) every LIVE_OBJECT_REFRESH_MS; the expiry must outlast that.
    if (!liveRetentionCoversRefresh(liveRetentionDays)) {
      throw new Error(`MediaBucket: liveRetentionDays ${liveRetentionDays} is shorter than three master refresh intervals (${LIVE_OBJECT_REFRESH_MS / 3_600_000} h each).`);
    }
    if (!Number.isInteger(recordingRetentionDays) || recordingRetentionDays < 0) {
      throw new Error(`MediaBucket: recordingRetentionDays must be 0 (keep) or a whole number of days, got ${recordingRetentionDays}.`);
    }
    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'expire-live-segments', prefix: LIVE_PREFIX, expiration: Duration.days(liveRetentionDays) },
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ];
    if (recordingRetentionDays > 0) {
      lifecycleRules.push({ id: 'expire-recordings', prefix: RECORDINGS_PREFIX, expiration: Duration.days(recordingRetentionDays + RECORDING_EXPIRY_GRACE_DAYS) });
    }
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'media-bucket/',
      lifecycleRules,
      // Answers CORS preflights that CloudFront forwards; GET responses get their headers at the edge.
      cors: [{ allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD], allowedOrigins: ['*'], allowedHeaders: ['*'], maxAge: 86400 }],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
    });
  }

  get bucketName(): string {
    return this.bucket.bucketName;
  }

  /** Write, replace, read back and delete objects under `prefix`, and list that prefix only. */
  grantReadWriteUnder(grantee: iam.IGrantable, prefix: MediaPrefix): iam.Grant {
    return this.grantObjects(grantee, prefix, ['s3:PutObject', 's3:GetObject', 's3:DeleteObject']);
  }

  /**
   * Write, replace and read back objects under `prefix`, and list it — but delete nothing. What the ingest's
   * packager does (segments, playlists, the rendition plan) and the recording finalizer (VOD playlists).
   */
  grantReadPutUnder(grantee: iam.IGrantable, prefix: MediaPrefix): iam.Grant {
    return this.grantObjects(grantee, prefix, ['s3:PutObject', 's3:GetObject']);
  }

  /** Read objects under `prefix` and list it. */
  grantReadUnder(grantee: iam.IGrantable, prefix: MediaPrefix): iam.Grant {
    return this.grantObjects(grantee, prefix, ['s3:GetObject']);
  }

  /** Delete objects under `prefix` found by listing it, without reading them (the recordings API's delete). */
  grantDeleteUnder(grantee: iam.IGrantable, prefix: MediaPrefix): iam.Grant {
    return this.grantObjects(grantee, prefix, ['s3:DeleteObject']);
  }

  /**
   * `s3:PutObject` under `prefix` and nothing else (no read, no list): what presigning an upload needs —
   * the media API signs PUT URLs of `media/<id>/source` keys that clients then use.
   */
  grantPresignPutUnder(grantee: iam.IGrantable, prefix: typeof LIBRARY_PREFIX): iam.Grant {
    return this.grantObjects(grantee, prefix, ['s3:PutObject'], { list: false });
  }

  /** Read and delete objects of known keys under `prefix`, without listing (the probe worker: ffprobe reads, a failed file is deleted). */
  grantReadDeleteKeysUnder(grantee: iam.IGrantable, prefix: typeof LIBRARY_PREFIX): iam.Grant {
    return this.grantObjects(grantee, prefix, ['s3:GetObject', 's3:DeleteObject'], { list: false });
  }

  /** Delete objects of known keys under `prefix`, without listing or reading them (the media API's DELETE). */
  grantDeleteKeysUnder(grantee: iam.IGrantable, prefix: typeof LIBRARY_PREFIX): iam.Grant {
    return this.grantObjects(grantee, prefix, ['s3:DeleteObject'], { list: false });
  }

  private grantObjects(grantee: iam.IGrantable, prefix: BucketFolder, actions: string[], options: { list: boolean } = { list: true }): iam.Grant {
    const objectsArn = this.bucket.arnForObjects(`${prefix}*`);
    const objects = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [objectsArn] });
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      acknowledgeWildcardResources(
        principal,
        [objectsArn],
        `Object keys under ${prefix} are created at run time (one folder per stream or recording), so the prefix is the narrowest resource S3 can express; the bucket's other folders stay out of reach.`,
      );
    }
    return options.list ? objects.combine(this.grantListUnder(grantee, prefix)) : objects;
  }

  private grantListUnder(grantee: iam.IGrantable, prefix: BucketFolder): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    });
  }
}
