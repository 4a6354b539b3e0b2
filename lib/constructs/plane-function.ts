/**
 * One Lambda function of the plane, built the same way everywhere: the handler module bundled by the
 * local esbuild (never Docker) as ESM for the newest Node.js runtime on arm64, its own log group with a
 * retention, its own role holding nothing but the right to write that log group (every other permission
 * is granted by the construct that owns the resource), and Powertools logger/metrics configured through
 * the environment.
 *
 * Must never: attach AWS managed policies to the role, or fall back to Docker bundling.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';

/** The newest Node.js runtime Lambda offers (and that cdk-nag's AwsSolutions-L1 expects). */
export const PLANE_LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** CloudWatch namespace of every EMF metric the plane emits (Lambdas and the ingest). */
export const METRICS_NAMESPACE = 'Streamplane';

export interface PlaneFunctionProps {
  /** Path of the handler module; it must export `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** `service` of every log line and metric (POWERTOOLS_SERVICE_NAME), e.g. `failover`. */
  readonly serviceName: string;
  /** Configuration the handler reads at cold start. @default - none */
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Caps concurrent executions (protects downstream services). @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** The AWS Parameters and Secrets extension, for handlers that read a secret through it. @default - none */
  readonly paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
  /**
   * Bundle the AWS SDK instead of using the runtime's: for handlers that register a signer with the SDK
   * (the pure-JavaScript SigV4A the CloudFront KeyValueStore needs must sit in the same copy of the SDK as
   * the client that uses it). @default false
   */
  readonly bundleAwsSdk?: boolean;
}

export class PlaneFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PlaneFunctionProps) {
    super(scope, id);
    if (!existsSync(props.entry)) {
      throw new Error(`PlaneFunction ${this.node.path}: entry ${props.entry} does not exist; expected a handler module exporting \`handler\`.`);
    }
    const memorySize = props.memorySize ?? 512;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
      throw new Error(`PlaneFunction ${this.node.path}: memorySize ${memorySize} is not valid; expected an integer from 128 to 10240 MB.`);
    }
    if (!/^[a-z][a-z0-9-]*$/.test(props.serviceName)) {
      throw new Error(`PlaneFunction ${this.node.path}: serviceName "${props.serviceName}" is not valid; expected lower-case words joined by hyphens.`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.serviceName}: ${props.description}`.slice(0, 1000),
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: PLANE_LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      ...(props.paramsAndSecrets ? { paramsAndSecrets: props.paramsAndSecrets } : {}),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // The runtime ships the AWS SDK v3; bundling it would only slow cold starts and the synth.
        externalModules: props.bundleAwsSdk ? [] : ['@aws-sdk/*'],
        mainFields: ['module', 'main'],
        // ESM output still meets CommonJS dependencies that call require().
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
      },
    });
  }

  /** The function's ARN (what EventBridge targets and IAM statements name). */
  get functionArn(): string {
    return this.function.functionArn;
  }

  /**
   * Invoke the function (its unqualified ARN only). Unlike `grantInvoke`, no `:*` for versions and aliases:
   * the plane never publishes any, and the narrower statement needs no wildcard.
   */
  grantInvokeLatest(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [this.function.functionArn] });
  }
}
