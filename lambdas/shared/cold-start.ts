/**
 * The AWS entry point of every function: builds the handler on the first invocation (config, SDK
 * clients, adapters — loaded lazily so local runs and tests never pay for them) and reuses it after.
 * Must never cache a failed cold start: the next invocation tries again.
 */
import type { Context } from 'aws-lambda';

export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

export function coldStartHandler<E, R>(build: () => Promise<LambdaHandler<E, R>>): LambdaHandler<E, R> {
  let coldStart: Promise<LambdaHandler<E, R>> | undefined;
  return async (event, context) => {
    coldStart ??= build().catch((err: unknown) => {
      coldStart = undefined;
      throw err;
    });
    return (await coldStart)(event, context);
  };
}
