/**
 * Serves a Lambda HTTP API handler (API Gateway HTTP API, payload v2) from a Node http server, so the
 * local plane runs the very handler AWS runs. The body is read with a hard cap: an oversized request is
 * answered 413 without buffering it, as API Gateway would refuse it before the Lambda.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { fakeLambdaContext } from './local-lambda-context';

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

export async function serveHttpApi(handler: HttpApiHandler, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_REQUEST_BODY_BYTES) return tooLarge(req, res);
  const body = await readBody(req, MAX_REQUEST_BODY_BYTES);
  if (body === 'too_large') return tooLarge(req, res);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const requestId = randomUUID();
  const now = new Date();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers['host'] ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
    ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
  };
  const context = fakeLambdaContext({ functionName: 'stream-registry-local', awsRequestId: requestId, remainingMs: 30_000 });
  const result = await handler(event, context);
  const responseHeaders: Record<string, string | number | boolean> = { ...(result.headers ?? {}) };
  res.writeHead(result.statusCode ?? 200, responseHeaders as Record<string, string>);
  if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
  res.end(result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
  });
}

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify({
    type: 'urn:streamplane:problem:payload_too_large',
    title: 'Content Too Large',
    status: 413,
    code: 'payload_too_large',
    detail: `Request bodies are limited to ${MAX_REQUEST_BODY_BYTES} bytes.`,
  });
  res.writeHead(413, { 'content-type': 'application/problem+json', connection: 'close' });
  res.end(body);
  // Stop reading the rest of an oversized upload once the answer is out.
  res.once('finish', () => req.destroy());
}
