/**
 * The control API: an API Gateway HTTP API whose routes go to the stream-registry function (payload v2)
 * — except the paths given to other functions (`/v1/webhooks…` to the webhooks API, `/v1/recordings…`
 * and `/v1/streams/{id}/recordings` to the recordings API). Each function
 * authenticates the bearer token itself, with the same middleware chain the local plane serves, so
 * behaviour is identical in both. The stage is throttled and access-logged as JSON (request id,
 * caller address, route, status, latency; never headers, so never the token).
 *
 * Must never: log request headers or bodies at the gateway (the Authorization header is the API token).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** A path (and by default everything below it) served by another function than the default one. */
export interface ControlApiRoute {
  /**
   * e.g. `/v1/webhooks`: routes `ANY /v1/webhooks` (and `ANY /v1/webhooks/{proxy+}`). Segments are
   * lower-case words or one path parameter such as `{id}`.
   */
  readonly path: string;
  readonly handler: lambda.IFunction;
  /** Also route everything below the path (`{proxy+}`). @default true */
  readonly subpaths?: boolean;
}

export interface ControlApiProps {
  /** The stream-registry function: serves every route not listed in `routes`. */
  readonly handler: lambda.IFunction;
  /** Paths served by other functions (they authenticate the same way). @default - none */
  readonly routes?: ControlApiRoute[];
  /** Steady requests per second for the whole API. @default 50 */
  readonly rateLimit?: number;
  /** Burst of requests. @default 100 */
  readonly burstLimit?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Browser origins allowed to call the API (CORS), e.g. the console's `https://d123.cloudfront.net`.
   * Never `*`: the API takes a bearer token. @default - no CORS (no browser app on another origin)
   */
  readonly corsAllowOrigins?: string[];
}

/** Access log line: identifies a request without any header or body. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
});

export class ControlApi extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ControlApiProps) {
    super(scope, id);
    if (props.corsAllowOrigins?.includes('*')) throw new Error('ControlApi: corsAllowOrigins must name origins, got "*" (the API takes a bearer token).');
    const rateLimit = props.rateLimit ?? 50;
    const burstLimit = props.burstLimit ?? 100;
    if (rateLimit <= 0 || burstLimit < 1 || !Number.isInteger(burstLimit)) {
      throw new Error(`ControlApi: expected rateLimit > 0 and a whole burstLimit >= 1, got rateLimit=${rateLimit}, burstLimit=${burstLimit}.`);
    }
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.httpApi = new apigwv2.HttpApi(this, 'Api', {
      description: 'Streamplane control API (/v1/...)',
      defaultIntegration: new HttpLambdaIntegration('Registry', props.handler, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 }),
      createDefaultStage: false,
      ...(props.corsAllowOrigins?.length
        ? {
            corsPreflight: {
              allowOrigins: props.corsAllowOrigins,
              allowMethods: [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST, apigwv2.CorsHttpMethod.PATCH, apigwv2.CorsHttpMethod.DELETE, apigwv2.CorsHttpMethod.OPTIONS],
              allowHeaders: ['authorization', 'content-type', 'last-event-id'],
              exposeHeaders: ['location', 'retry-after'],
              allowCredentials: false,
              maxAge: Duration.days(1),
            },
          }
        : {}),
    });
    // One integration per function, named after the first path it serves.
    const integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();
    for (const route of props.routes ?? []) {
      if (!/^(\/([a-z0-9-]+|\{[a-z][A-Za-z0-9]*\}))+$/.test(route.path) || route.path.includes('/{proxy')) {
        throw new Error(`ControlApi: route path ${JSON.stringify(route.path)} is not valid; expected lower-case segments or {param} segments such as /v1/streams/{id}/recordings.`);
      }
      let integration = integrations.get(route.handler);
      if (!integration) {
        const name = route.path
          .split('/')
          .filter(Boolean)
          .map((part) => part.replace(/[{}]/g, '').replace(/(^|-)([a-zA-Z0-9])/g, (_m, _d, c: string) => c.toUpperCase()))
          .join('');
        integration = new HttpLambdaIntegration(name, route.handler, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
        integrations.set(route.handler, integration);
      }
      this.httpApi.addRoutes({ path: route.path, methods: [apigwv2.HttpMethod.ANY], integration });
      if (route.subpaths ?? true) this.httpApi.addRoutes({ path: `${route.path}/{proxy+}`, methods: [apigwv2.HttpMethod.ANY], integration });
    }
    new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'Every route is authenticated by the function that serves it (the shared bearer-auth middleware: token from Secrets Manager, constant-time comparison), the same code path as the local plane; only the OpenAPI document is public. A gateway authorizer would duplicate that check and add latency and cost.',
    });
  }

  /** `https://<id>.execute-api.<region>.amazonaws.com` (no trailing slash). */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
