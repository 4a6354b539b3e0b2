/**
 * Makes one HTTP attempt of a webhook delivery (the use case in core/webhooks/delivery.ts consumes it).
 * An HTTP client with the URL policy in the cloud and locally (adapters/http-webhook-sender.ts).
 *
 * Must never: throw for what the receiver did (a refusal, a timeout, a reset): those are results.
 */
import type { DeliveryError } from './webhook-store';

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface SendResult {
  /** A 2xx status arrived within the timeout. */
  ok: boolean;
  statusCode?: number;
  latencyMs: number;
  error?: DeliveryError;
}

/** Makes one HTTP attempt. Never throws for receiver-side failures: they are results. */
export interface WebhookSender {
  send(request: SendRequest): Promise<SendResult>;
}
