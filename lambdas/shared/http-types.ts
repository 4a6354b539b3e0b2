/**
 * The HTTP shapes every API handler speaks: API Gateway HTTP API payload v2 in, structured result out.
 * The local plane builds the same shapes from a node request, so handlers never know which they run on.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** An event whose body was checked and parsed by the json-body middleware (undefined when empty). */
export type JsonHttpEvent = HttpEvent & { jsonBody?: unknown };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request header; names were lowercased by @middy/http-header-normalizer at the top of the chain. */
export function headerValue(event: HttpEvent, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}
