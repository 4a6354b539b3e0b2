/**
 * The cloud ingest's publish gate: asks the publish-auth Lambda whether a stream key may publish (the
 * same handler the local plane calls in-process). Input `{ app, streamKey, remoteAddress }`; the answer is
 * validated against core's `publishDecision` (the contract the Lambda returns), and anything that is not
 * a well-formed decision (a function error, a timeout, a payload of the wrong shape, a reason outside the
 * contract) is an error, so the ingest refuses the publish rather than guessing.
 *
 * Must never: put the stream key into an error, a log line or a metric.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { StreamplaneError } from '../core/errors';
import { publishDecision, type PublishDecision } from '../core/streams/publish-decision';

export interface PublishAuthRequest {
  app: string;
  streamKey: string;
  remoteAddress: string;
}

export class PublishAuthError extends StreamplaneError {
  override readonly name = 'PublishAuthError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

export interface LambdaPublishAuthClientOptions {
  /** Name or ARN of the publish-auth function. */
  functionName: string;
  client?: LambdaClient;
  /** Give up (and refuse the publish) after this long. @default 5000 */
  timeoutMs?: number;
  /** The ingest cell of this task, sent with every request (planes with cells): other cells' streams are refused. */
  cell?: string;
}

export class LambdaPublishAuthClient {
  private readonly functionName: string;
  private readonly client: LambdaClient;
  private readonly timeoutMs: number;
  private readonly cell: string | undefined;

  constructor(options: LambdaPublishAuthClientOptions) {
    this.functionName = options.functionName;
    this.client = options.client ?? new LambdaClient({});
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.cell = options.cell;
  }

  /** Bound, so it can be handed on as a gate function. */
  readonly authorize = async (request: PublishAuthRequest): Promise<PublishDecision> => {
    const command = new InvokeCommand({
      FunctionName: this.functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify({ app: request.app, streamKey: request.streamKey, remoteAddress: request.remoteAddress, ...(this.cell ? { cell: this.cell } : {}) })),
    });
    // The deadline is enforced here, not only by the SDK's abort: a publisher must never wait on a hung call.
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new PublishAuthError(`${this.functionName} did not answer within ${this.timeoutMs} ms.`));
      }, this.timeoutMs);
    });
    let out;
    try {
      out = await Promise.race([this.client.send(command, { abortSignal: abort.signal }), deadline]);
    } catch (err) {
      if (err instanceof PublishAuthError) throw err;
      // The SDK error names the function, never the payload.
      throw new PublishAuthError(`Invoking ${this.functionName} failed: ${err instanceof Error ? err.name : 'unknown error'}.`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) {
      throw new PublishAuthError(`${this.functionName} failed (${out.FunctionError}): ${errorTypeOf(text)}.`);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new PublishAuthError(`${this.functionName} answered with something that is not JSON.`);
    }
    const parsed = publishDecision.safeParse(payload);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
      throw new PublishAuthError(`${this.functionName} answered with an invalid decision (fields: ${fields}).`);
    }
    return parsed.data;
  };
}

/** Only the error type of a failed invocation: its message could echo the request. */
function errorTypeOf(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType.slice(0, 100) : 'unknown error';
  } catch {
    return 'unknown error';
  }
}
