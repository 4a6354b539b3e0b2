/**
 * The CDK app (`cdk.json` → `npx tsx bin/app.ts`): validates the configuration from CDK context once,
 * then adds the Streamplane stacks with cdk-nag's AwsSolutions checks. Environment-agnostic unless the
 * `account`/`region` context keys are set. A configuration error is printed as the list of bad keys,
 * without a stack trace.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../lib/config';
import { addStreamplaneStack } from '../lib/stacks/streamplane-app';

const app = new App();
try {
  addStreamplaneStack(app, loadConfig((key) => app.node.tryGetContext(key)));
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
