/**
 * Puts the plane into a CDK app: the Streamplane stack named after the configured prefix, and the
 * cdk-nag AwsSolutions pack as a policy validation plugin, so every synth (the CLI's and the tests')
 * fails on an unacknowledged finding. Shared by bin/app.ts and the tests.
 *
 * Must never: read the environment; what differs between deployments comes in through `config`.
 */
import { Tags, Validations, type App } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PlaneConfig } from '../config';
import type { LambdaEntries } from './lambda-entries';
import { StreamplaneStack } from './streamplane-stack';

export interface StreamplaneAppOptions {
  /** Replaces handler modules (tests point not-yet-written functions at a fixture). */
  lambdaEntries?: Partial<LambdaEntries>;
  /** Replaces the ingest image (tests may avoid staging the Docker build context). */
  ingestImage?: ecs.ContainerImage;
  /** Run the cdk-nag AwsSolutions checks on synth. @default true */
  nag?: boolean;
}

export function addStreamplaneStack(app: App, config: PlaneConfig, options: StreamplaneAppOptions = {}): StreamplaneStack {
  const env =
    config.account || config.region
      ? { ...(config.account ? { account: config.account } : {}), ...(config.region ? { region: config.region } : {}) }
      : undefined;
  const stack = new StreamplaneStack(app, config.stackPrefix, {
    config,
    description: 'Streamplane: RTMP ingest on Fargate behind an NLB, HLS via CloudFront, control API, events, failover',
    ...(env ? { env } : {}),
    ...(options.lambdaEntries ? { lambdaEntries: options.lambdaEntries } : {}),
    ...(options.ingestImage ? { ingestImage: options.ingestImage } : {}),
  });
  Tags.of(stack).add('app', 'streamplane');
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
