/**
 * Local endpoints that record every AWS call made through them, mapped to its IAM action, resource ARN
 * and condition keys: a proxy in front of dynalite (JSON protocol, X-Amz-Target), a proxy in front of
 * s3rver (path-style REST), and stubs that answer EventBridge PutEvents and SQS sends themselves (no
 * local EventBridge or SQS runs here). Point SDK clients at them with AWS_ENDPOINT_URL_<SERVICE>.
 *
 * Must never: forward a request it could not map (the call is recorded as `unmapped:*`, which no policy
 * allows, so the test fails and names it), or leave a server open after `stop`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAKE_ACCOUNT, FAKE_REGION, type AwsCall } from './iam-policy-check';

export interface RecordedCall extends AwsCall {
  /** Who made it (set by the test before each invocation). */
  caller: string;
}

export interface CallRecorder {
  calls: RecordedCall[];
  /** The entries of every PutEvents, as sent (to feed the bus's consumers). */
  events: Array<{ Source?: string; DetailType?: string; Detail?: string; EventBusName?: string }>;
  caller: string;
  endpoints: { dynamodb: string; s3: string; eventbridge: string; sqs: string };
  stop(): Promise<void>;
}

type Attr = { S?: string };
const PARTITION_KEYS = new Set(['pk', 'gsi1pk', 'gsi2pk']);

/** IAM view of one DynamoDB JSON request. */
export function dynamoCalls(target: string, body: Record<string, unknown>): AwsCall[] {
  const op = target.split('.')[1] ?? 'unknown';
  const tableArn = (t: string, index?: string) => `arn:aws:dynamodb:${FAKE_REGION}:${FAKE_ACCOUNT}:table/${t}${index ? `/index/${index}` : ''}`;
  const leading = (item: Record<string, Attr> | undefined) => (item?.pk?.S !== undefined ? [item.pk.S] : []);
  const one = (action: string, table: string, keys: string[], index?: string): AwsCall => ({ action: `dynamodb:${action}`, resource: tableArn(table, index), context: { 'dynamodb:LeadingKeys': keys } });
  switch (op) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [one(op, body.TableName as string, leading(body.Key as Record<string, Attr>))];
    case 'PutItem':
      return [one(op, body.TableName as string, leading(body.Item as Record<string, Attr>))];
    case 'Query': {
      const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (body.ExpressionAttributeValues ?? {}) as Record<string, Attr>;
      const keys: string[] = [];
      for (const m of String(body.KeyConditionExpression ?? '').matchAll(/(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
        const attr = m[1]!.startsWith('#') ? names[m[1]!] : m[1];
        const v = values[m[2]!]?.S;
        if (attr && PARTITION_KEYS.has(attr) && v !== undefined) keys.push(v);
      }
      return [one('Query', body.TableName as string, keys, body.IndexName as string | undefined)];
    }
    case 'Scan':
      return [{ action: 'dynamodb:Scan', resource: tableArn(body.TableName as string, body.IndexName as string | undefined), context: {} }];
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const kinds: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
      return ((body.TransactItems ?? []) as Array<Record<string, Record<string, unknown>>>).flatMap((item) =>
        Object.entries(item).map(([kind, spec]) => one(kinds[kind] ?? `unmapped-${kind}`, spec.TableName as string, leading((spec.Key ?? spec.Item) as Record<string, Attr>))),
      );
    }
    case 'BatchWriteItem':
      return Object.entries((body.RequestItems ?? {}) as Record<string, Array<{ PutRequest?: { Item: Record<string, Attr> }; DeleteRequest?: { Key: Record<string, Attr> } }>>).map(([t, reqs]) =>
        one('BatchWriteItem', t, reqs.flatMap((r) => leading(r.PutRequest?.Item ?? r.DeleteRequest?.Key))),
      );
    case 'BatchGetItem':
      return Object.entries((body.RequestItems ?? {}) as Record<string, { Keys: Array<Record<string, Attr>> }>).map(([t, req]) => one('BatchGetItem', t, req.Keys.flatMap((k) => leading(k))));
    default:
      return [{ action: `dynamodb:${op}`, resource: tableArn(String(body.TableName ?? '*')), context: {} }];
  }
}

/** IAM view of one path-style S3 REST request. */
export function s3Calls(method: string, url: URL, headers: IncomingMessage['headers'], body: string): AwsCall[] {
  const [, bucket = '', ...rest] = decodeURIComponent(url.pathname).split('/');
  const key = rest.join('/');
  const q = url.searchParams;
  const object = (action: string, k = key): AwsCall => ({ action, resource: `arn:aws:s3:::${bucket}/${k}`, context: {} });
  if (!key) {
    if (method === 'GET' && (q.has('list-type') || q.has('prefix') || [...q.keys()].length === 0)) return [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 's3:prefix': [q.get('prefix') ?? ''] } }];
    if (method === 'POST' && q.has('delete')) return [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => object('s3:DeleteObject', m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>')));
    return [{ action: `unmapped:s3 ${method} bucket?${q.toString()}`, resource: `arn:aws:s3:::${bucket}`, context: {} }];
  }
  if (method === 'GET' || method === 'HEAD') return [object('s3:GetObject')];
  if (method === 'DELETE') return [object(q.has('uploadId') ? 's3:AbortMultipartUpload' : 's3:DeleteObject')];
  if (method === 'PUT' || method === 'POST') {
    const copy = headers['x-amz-copy-source'];
    const source = typeof copy === 'string' ? [{ action: 's3:GetObject', resource: `arn:aws:s3:::${decodeURIComponent(copy.replace(/^\//, ''))}`, context: {} }] : [];
    return [object('s3:PutObject'), ...source];
  }
  return [{ action: `unmapped:s3 ${method}`, resource: `arn:aws:s3:::${bucket}/${key}`, context: {} }];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function forward(target: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', target);
  const up = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  up.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  up.end(body);
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export async function startCallRecorder(targets: { dynamodb: string; s3: string }): Promise<CallRecorder> {
  const calls: RecordedCall[] = [];
  const recorder = { calls, events: [], caller: 'unknown' } as unknown as CallRecorder;
  const record = (list: AwsCall[]) => calls.push(...list.map((c) => ({ ...c, caller: recorder.caller })));

  const dynamo = await listen(async (req, res) => {
    const body = await readBody(req);
    record(dynamoCalls(String(req.headers['x-amz-target'] ?? ''), JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>));
    forward(targets.dynamodb, req, body, res);
  });
  const s3 = await listen(async (req, res) => {
    const body = await readBody(req);
    record(s3Calls(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x'), req.headers, body.toString('utf8')));
    forward(targets.s3, req, body, res);
  });
  const events = await listen(async (req, res) => {
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { Entries?: Array<{ EventBusName?: string }> };
    const entries = body.Entries ?? [];
    recorder.events.push(...entries);
    record(entries.map((e) => ({ action: 'events:PutEvents', resource: (e.EventBusName ?? 'default').startsWith('arn:') ? (e.EventBusName as string) : `arn:aws:events:${FAKE_REGION}:${FAKE_ACCOUNT}:event-bus/${e.EventBusName ?? 'default'}`, context: {} })));
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) }));
  });
  const sqs = await listen(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { QueueUrl?: string; MessageBody?: string; Entries?: Array<{ Id: string; MessageBody: string }> };
    const name = String(body.QueueUrl ?? '').split('/').pop() ?? '';
    const op = target.split('.')[1] ?? 'unknown';
    record([{ action: `sqs:${op === 'SendMessageBatch' ? 'SendMessage' : op}`, resource: `arn:aws:sqs:${FAKE_REGION}:${FAKE_ACCOUNT}:${name}`, context: {} }]);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    if (op === 'SendMessage') res.end(JSON.stringify({ MessageId: randomUUID(), MD5OfMessageBody: md5(body.MessageBody ?? '') }));
    else if (op === 'SendMessageBatch') res.end(JSON.stringify({ Successful: (body.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(e.MessageBody) })), Failed: [] }));
    else res.end('{}');
  });
  const servers = [dynamo, s3, events, sqs];
  recorder.endpoints = { dynamodb: dynamo.url, s3: s3.url, eventbridge: events.url, sqs: sqs.url };
  recorder.stop = async () => {
    await Promise.all(servers.map(({ server }) => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); })));
  };
  return recorder;
}
