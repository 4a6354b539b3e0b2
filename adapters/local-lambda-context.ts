/**
 * The Lambda `Context` handed to handlers that run outside Lambda (local queue and HTTP API stand-ins,
 * the local plane, tests): the fields the handlers and Powertools read, with a fixed or supplied time
 * budget.
 * Must never be used by a cloud entry point, which gets the real context from the runtime.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface FakeContextOptions {
  functionName: string;
  awsRequestId?: string;
  /** What `getRemainingTimeInMillis()` returns (a number, or a function for a running budget). */
  remainingMs?: number | (() => number);
}

export function fakeLambdaContext(options: FakeContextOptions): Context {
  const remaining = options.remainingMs ?? 10_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${options.functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: typeof remaining === 'function' ? remaining : () => remaining,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
