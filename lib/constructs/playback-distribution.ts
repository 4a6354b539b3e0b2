/**
 * HLS delivery: a CloudFront distribution in front of the media bucket, reading it through origin access
 * control (the bucket stays private). Two cache policies, because the two kinds of object age
 * differently: playlists change every segment, so the edge keeps them for about one segment duration;
 * segments never change once written, so they are cached for a long time. CORS headers let web players on
 * any origin fetch both, and 403/404 answers (a segment asked for a moment before it lands) are cached for
 * only a second.
 *
 * Must never: make the bucket public, cache playlists for longer than a segment, or forward cookies or
 * query strings into the cache key (every viewer would miss the cache).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface PlaybackDistributionProps {
  /** The media bucket (HLS under `live/` and `recordings/`). */
  readonly mediaBucket: s3.IBucket;
  /** Segment duration in seconds; playlists are cached at the edge for this long. */
  readonly segmentDurationSeconds: number;
  /** Where CloudFront standard logs go (the bucket must allow ACL writes). */
  readonly accessLogBucket: s3.IBucket;
  /** Web origins allowed to play. @default ['*'] */
  readonly corsAllowOrigins?: string[];
  /** @default cloudfront.PriceClass.PRICE_CLASS_100 (North America and Europe edges, the cheapest) */
  readonly priceClass?: cloudfront.PriceClass;
  /**
   * Signed playback (lib/constructs/playback-edge.ts): the viewer-request function on every media
   * behavior and the origin of signed master playlists. @default - everything is public
   */
  readonly signedPlayback?: { readonly viewerRequest: cloudfront.IFunction; readonly viewerResponse: cloudfront.IFunction; readonly authOrigin: cloudfront.IOrigin };
  /**
   * Low-latency HLS (lib/constructs/low-latency-origin.ts): `live/*\/ll.m3u8` and its parts reach an origin
   * that can hold a blocking reload, with `_HLS_msn`/`_HLS_part`/`_HLS_skip` in the cache key (and only
   * those). @default - no LL-HLS behaviors (low-latency playlists would be served by S3, never blocking)
   */
  readonly lowLatencyOrigin?: cloudfront.IOrigin;
  /**
   * Playlist bundles (core/hls/playlist-bundle.ts): `live/*\/index.m3u8` (each rendition's live media
   * playlist) reaches this origin, which answers it from the stream's bundle, cached as S3's copy would
   * be (the playlist cache policy). @default - media playlists are objects S3 serves
   */
  readonly mediaPlaylistOrigin?: cloudfront.IOrigin;
}

/** The delivery directives of RFC 8216bis §6.2.5: the only query strings that key the LL playlist cache. */
export const LL_HLS_QUERY_STRINGS = ['_HLS_msn', '_HLS_part', '_HLS_skip'] as const;

/** Segments are immutable once written: cache them for up to a year. */
const SEGMENT_TTL = Duration.days(365);

export class PlaybackDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly playlistCachePolicy: cloudfront.CachePolicy;
  readonly segmentCachePolicy: cloudfront.CachePolicy;
  readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  /** Set with `lowLatencyOrigin`. */
  readonly lowLatencyPlaylistCachePolicy?: cloudfront.CachePolicy;

  constructor(scope: Construct, id: string, props: PlaybackDistributionProps) {
    super(scope, id);
    const segment = props.segmentDurationSeconds;
    if (!Number.isInteger(segment) || segment < 1 || segment > 10) {
      throw new Error(`PlaybackDistribution: segmentDurationSeconds must be a whole number from 1 to 10, got ${segment}.`);
    }
    const corsAllowOrigins = props.corsAllowOrigins ?? ['*'];
    if (corsAllowOrigins.length === 0) throw new Error('PlaybackDistribution: corsAllowOrigins must name at least one origin (or "*").');

    // No cookies, headers or query strings in the key: every viewer of a stream shares one cached copy.
    const keyless = {
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    };
    this.playlistCachePolicy = new cloudfront.CachePolicy(this, 'PlaylistCachePolicy', {
      comment: `HLS playlists: cached about one segment (${segment}s)`,
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(segment),
      maxTtl: Duration.seconds(segment),
      ...keyless,
    });
    this.segmentCachePolicy = new cloudfront.CachePolicy(this, 'SegmentCachePolicy', {
      comment: 'HLS segments: immutable once written, cached long',
      minTtl: Duration.seconds(0),
      defaultTtl: SEGMENT_TTL,
      maxTtl: SEGMENT_TTL,
      ...keyless,
    });
    if (props.lowLatencyOrigin) {
      // Each directive names a part that only ever gets more recent: caching the answer a moment is safe,
      // and identical requests at an edge collapse into one origin request.
      this.lowLatencyPlaylistCachePolicy = new cloudfront.CachePolicy(this, 'LowLatencyPlaylistCachePolicy', {
        comment: 'LL-HLS playlists: keyed on the delivery directives, cached a moment',
        minTtl: Duration.seconds(0),
        defaultTtl: Duration.seconds(1),
        maxTtl: Duration.seconds(segment),
        ...keyless,
        queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...LL_HLS_QUERY_STRINGS),
      });
    }
    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'CorsHeaders', {
      comment: 'CORS for web players, plus nosniff and HSTS',
      corsBehavior: {
        accessControlAllowOrigins: corsAllowOrigins,
        accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
        accessControlAllowHeaders: ['*'],
        accessControlExposeHeaders: ['Content-Length', 'Content-Range', 'Date', 'ETag'],
        accessControlAllowCredentials: false,
        accessControlMaxAge: Duration.days(1),
        // With signed playback the viewer-response function may narrow `*` to a token's allowed origin;
        // not overriding keeps that answer whichever of the two CloudFront applies last.
        originOverride: !props.signedPlayback,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: false, override: true },
      },
    });

    const origin = origins.S3BucketOrigin.withOriginAccessControl(props.mediaBucket, {
      originAccessLevels: [cloudfront.AccessLevel.READ],
    });
    const signed = props.signedPlayback;
    const functionAssociations = signed
      ? [
          { function: signed.viewerRequest, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
          { function: signed.viewerResponse, eventType: cloudfront.FunctionEventType.VIEWER_RESPONSE },
        ]
      : undefined;
    // Playlists: the viewer token must reach playback-auth when the edge function sends a signed master
    // there. Forwarded to the origin only, never part of the cache key (the function strips it from
    // everything it lets through to S3).
    const playlistRequests = signed
      ? new cloudfront.OriginRequestPolicy(this, 'PlaylistRequests', {
          comment: 'HLS playlists: CORS headers, and the token for signed masters',
          headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('origin', 'access-control-request-headers', 'access-control-request-method'),
          queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.allowList('token'),
          cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
        })
      : cloudfront.OriginRequestPolicy.CORS_S3_ORIGIN;
    const behavior = (cachePolicy: cloudfront.ICachePolicy, compress: boolean, originRequestPolicy: cloudfront.IOriginRequestPolicy = cloudfront.OriginRequestPolicy.CORS_S3_ORIGIN): cloudfront.BehaviorOptions => ({
      origin,
      cachePolicy,
      compress,
      responseHeadersPolicy: this.responseHeadersPolicy,
      ...(functionAssociations ? { functionAssociations } : {}),
      // Preflights reach S3 (which answers them from its CORS rules); they are not cached.
      originRequestPolicy,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Streamplane HLS playback',
      defaultBehavior: behavior(this.segmentCachePolicy, false),
      additionalBehaviors: {
        ...(props.lowLatencyOrigin && this.lowLatencyPlaylistCachePolicy
          ? {
              // Before '*.m3u8' (CloudFront matches behaviors in order): LL playlists, then parts not stored yet.
              'live/*/ll.m3u8': { ...behavior(this.lowLatencyPlaylistCachePolicy, true), origin: props.lowLatencyOrigin, originRequestPolicy: undefined },
              'live/*/ll-*.m4s': { ...behavior(this.segmentCachePolicy, false), origin: props.lowLatencyOrigin, originRequestPolicy: undefined },
            }
          : {}),
        ...(props.mediaPlaylistOrigin
          ? // Before '*.m3u8': live media playlists (not the master, DVR or recordings) from the bundle origin.
            { 'live/*/index.m3u8': { ...behavior(this.playlistCachePolicy, true), origin: props.mediaPlaylistOrigin, originRequestPolicy: undefined } }
          : {}),
        '*.m3u8': behavior(this.playlistCachePolicy, true, playlistRequests),
        // Puts the playback-auth origin into the distribution so the edge function can select it; its
        // answers are never cached (private, no-store).
        ...(signed
          ? {
              'playback-auth/*': {
                origin: signed.authOrigin,
                cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
                allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
              },
            }
          : {}),
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.accessLogBucket,
      logFilePrefix: 'cloudfront/',
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(1) })),
    });

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Live streams are published for a worldwide audience; operators who need geo restrictions add them per deployment.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'The distribution serves only static, immutable HLS objects from a private bucket (no application logic, no writes); WAF request charges on every segment request would dominate delivery cost.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason: 'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose viewer TLS policy CloudFront fixes (it cannot be raised); attaching a custom domain certificate is the way to enforce TLSv1.2_2021.',
      },
    );
  }

  /** `d123.cloudfront.net` */
  get domainName(): string {
    return this.distribution.distributionDomainName;
  }
}
