/**
 * Hostile input the soak throws at the plane while it carries live streams: publishes with keys that do
 * not exist (real ffmpeg encoders), garbage and stalled handshakes on the RTMP port, and API requests no
 * plane should accept. Each attempt says whether the plane accepted it; none ever should.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export interface BadInputTally {
  tried: number;
  accepted: number;
  /** 5xx answers: the plane neither accepted nor refused cleanly. */
  serverErrors: number;
  /** What was accepted, for the report. */
  acceptedWhat: string[];
}

export const emptyTally = (): BadInputTally => ({ tried: 0, accepted: 0, serverErrors: 0, acceptedWhat: [] });

function publishOnce(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'quiet', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'flv', url], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/** `count` publishes with unknown or malformed keys, `parallel` at a time. */
export async function floodWrongKeys(rtmpBase: string, count: number, parallel: number, tally: BadInputTally): Promise<void> {
  const keys = Array.from({ length: count }, (_, i) => (i % 5 === 4 ? `..%2F..%2F${'x'.repeat(i * 40)}` : `sk_${randomBytes(24).toString('base64url')}`));
  const next = async (): Promise<void> => {
    const key = keys.pop();
    if (key === undefined) return;
    tally.tried++;
    if (await publishOnce(`${rtmpBase}/live/${key}`)) {
      tally.accepted++;
      tally.acceptedWhat.push(`publish with unknown key ${key.slice(0, 12)}…`);
    }
    return next();
  };
  await Promise.all(Array.from({ length: parallel }, next));
}

/** Opens a TCP connection, sends `bytes`, and reports whether the plane still holds it open after `holdMs`. */
function heldOpen(host: string, port: number, bytes: Buffer, holdMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.on('error', () => undefined);
    socket.resume(); // read what the plane answers, or 'close' never comes
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(true);
    }, holdMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
    socket.once('connect', () => socket.write(bytes));
  });
}

/** Garbage, an HTTP request and a stalled handshake on the RTMP port; each must be closed by the plane. */
export async function sendMalformedRtmp(host: string, port: number, tally: BadInputTally): Promise<void> {
  const payloads: Array<[string, Buffer]> = [
    ['random bytes', randomBytes(4096)],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['a handshake that stalls after C0', Buffer.from([3])],
    ['a wrong RTMP version', Buffer.concat([Buffer.from([42]), randomBytes(1536)])],
  ];
  const held = await Promise.all(payloads.map(([, bytes]) => heldOpen(host, port, bytes, 20_000)));
  payloads.forEach(([what], i) => {
    tally.tried++;
    if (held[i]) {
      tally.accepted++;
      tally.acceptedWhat.push(`RTMP connection held open after ${what}`);
    }
  });
}

interface BadRequest {
  what: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** Omit the bearer token, or send this one instead. */
  token?: string | null;
}

export function badRequests(existingStreamId: string): BadRequest[] {
  const json = (value: unknown) => JSON.stringify(value);
  return [
    { what: 'invalid JSON', method: 'POST', path: '/v1/streams', body: '{"name":' },
    { what: 'a 11 MB body', method: 'POST', path: '/v1/streams', body: json({ name: 'x'.repeat(11 * 1024 * 1024) }) },
    { what: 'a 100,000-character name', method: 'POST', path: '/v1/streams', body: json({ name: 'n'.repeat(100_000) }) },
    { what: 'a name flooded with combining marks', method: 'POST', path: '/v1/streams', body: json({ name: `Z${'\u0301\u0336\u0353'.repeat(200)}` }) },
    { what: 'control characters in a name', method: 'POST', path: '/v1/streams', body: json({ name: 'a\u0000b\u0007c' }) },
    { what: 'an object as a name', method: 'POST', path: '/v1/streams', body: json({ name: { $gt: '' } }) },
    { what: 'a negative reconnect window', method: 'PATCH', path: `/v1/streams/${existingStreamId}`, body: json({ reconnectWindowSeconds: -5 }) },
    { what: 'text/plain body', method: 'POST', path: '/v1/streams', body: 'name=x', headers: { 'content-type': 'text/plain' } },
    { what: 'a webhook to the cloud metadata address', method: 'POST', path: '/v1/webhooks', body: json({ url: 'http://169.254.169.254/latest/meta-data/' }) },
    { what: 'a webhook to metadata.google.internal', method: 'POST', path: '/v1/webhooks', body: json({ url: 'http://metadata.google.internal/computeMetadata/v1/' }) },
    { what: 'a file: webhook URL', method: 'POST', path: '/v1/webhooks', body: json({ url: 'file:///etc/passwd' }) },
    { what: 'a path-traversing stream id', method: 'GET', path: '/v1/streams/st_..%2F..%2Fetc%2Fpasswd' },
    { what: 'an absurd page size', method: 'GET', path: '/v1/events?limit=999999999' },
    { what: 'no token', method: 'GET', path: '/v1/streams', token: null },
    { what: 'a wrong token', method: 'GET', path: '/v1/streams', token: 'spt_wrong_token_0123456789' },
    { what: 'path traversal on the HLS origin', method: 'GET', path: '/live/..%2F..%2Fapi-token', token: null },
    { what: 'path traversal on the recordings origin', method: 'GET', path: '/recordings/..%2F..%2Fdynamodb', token: null },
  ];
}

export async function sendBadRequests(base: string, token: string, requests: ReadonlyArray<BadRequest>, tally: BadInputTally): Promise<void> {
  for (const request of requests) {
    tally.tried++;
    const auth = request.token === undefined ? token : request.token;
    const response = await fetch(base + request.path, {
      method: request.method,
      headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...request.headers },
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: AbortSignal.timeout(20_000),
    }).catch(() => undefined);
    if (!response) continue; // the plane cut the connection: refused
    const body = await response.text().catch(() => '');
    if (response.status >= 500) tally.serverErrors++;
    if (response.status < 400) {
      tally.accepted++;
      tally.acceptedWhat.push(`${request.what} (${request.method} ${request.path.slice(0, 60)} → ${response.status})`);
      const created = /"id":"(st_[^"]+|wh_[^"]+)"/.exec(body)?.[1];
      const collection = created?.startsWith('wh_') ? 'webhooks' : 'streams';
      if (created && request.method === 'POST') await fetch(`${base}/v1/${collection}/${created}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
    }
  }
}
