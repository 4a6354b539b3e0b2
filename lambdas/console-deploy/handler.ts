/**
 * The console deployer (a CloudFormation custom resource): copies the console bundle, staged by CDK as
 * single-file assets, from the bootstrap bucket into `console/` of the media bucket with `no-cache`, and
 * writes `config.json` (where the API is). On delete it removes exactly the files it wrote. It answers
 * CloudFormation on the presigned response URL, and a delete always succeeds so a stack can be removed.
 *
 * Why not CDK's BucketDeployment: its handler is a Python function with a managed policy and wildcard
 * actions, where every function of the plane runs on Node.js arm64 with exact grants.
 *
 * Must never: write or delete outside the destination prefix, or log object contents.
 */
import type { Context } from 'aws-lambda';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { describeError } from '../shared/redact';
import { consoleFilesProps, customResourceEvent } from './schema';

/** The few S3 operations the deployer needs (the cloud deps wrap the SDK client). */
export interface ConsoleFilesStore {
  get(bucket: string, key: string): Promise<Uint8Array>;
  put(bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  delete(bucket: string, keys: string[]): Promise<void>;
}

export interface ConsoleDeployDeps {
  store: ConsoleFilesStore;
  /** Sends the custom-resource response (PUT to the presigned URL). */
  respond?: (url: string, body: string) => Promise<void>;
  logger?: Logger;
}

const PHYSICAL_ID = 'streamplane-console-files';

export function createConsoleDeployHandler(deps: ConsoleDeployDeps) {
  const logger = deps.logger ?? silentLogger;
  const respond =
    deps.respond ??
    (async (url: string, body: string) => {
      const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
      if (!response.ok) throw new Error(`CloudFormation response was refused: HTTP ${response.status}`);
    });

  return async (raw: unknown, _context?: Context): Promise<void> => {
    const event = customResourceEvent.parse(raw);
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason = '';
    try {
      const props = consoleFilesProps.parse(event.ResourceProperties);
      const keys = [...props.Files.map((f) => `${props.Prefix}${f.Name}`), `${props.Prefix}config.json`];
      if (event.RequestType === 'Delete') {
        await deps.store.delete(props.DestinationBucket, keys).catch((err: unknown) => logger.warn('console deploy: delete failed', { error: describeError(err) }));
      } else {
        for (const file of props.Files) {
          const body = await deps.store.get(props.SourceBucket, file.SourceKey);
          await deps.store.put(props.DestinationBucket, `${props.Prefix}${file.Name}`, body, file.ContentType);
        }
        await deps.store.put(props.DestinationBucket, `${props.Prefix}config.json`, props.Config, 'application/json');
        logger.info('console deploy: files written', { count: keys.length, requestType: event.RequestType });
      }
    } catch (err) {
      // A malformed delete must not block the stack's removal.
      if (event.RequestType !== 'Delete') {
        status = 'FAILED';
        reason = String(describeError(err).message ?? 'console deploy failed').slice(0, 500);
      }
      logger.error('console deploy: failed', { error: describeError(err), requestType: event.RequestType });
    }
    await respond(
      event.ResponseURL,
      JSON.stringify({
        Status: status,
        Reason: reason || 'ok',
        PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_ID,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      }),
    );
  };
}

/** The AWS entry point. */
export const handler = async (event: unknown, context: Context): Promise<void> => {
  const { consoleDeployHandler } = await import('./cloud-deps');
  return (await consoleDeployHandler())(event, context);
};
