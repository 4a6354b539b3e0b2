/**
 * Sends one webhook attempt over node http/https (`WebhookSender`). Safety first: the host is resolved
 * once, every address is checked against the URL policy, and the connection goes to exactly the checked
 * address (TLS still verifies the certificate for the host name), so DNS rebinding cannot slip past the
 * check. One deadline covers DNS, connect, TLS and the response; redirects are never followed; at most
 * `maxResponseBytes` of a response are read. Success is a 2xx status line within the deadline.
 *
 * Must never: throw for anything the receiver or the network did (those are results), follow a
 * redirect, connect to an address it did not check, or put the URL (it may hold a token) in a message.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { SendRequest, SendResult, WebhookSender } from '../core/ports/webhook-sender';
import { checkAddress, checkWebhookUrl, ipLiteralOf, parseIp, type UrlPolicy } from '../core/webhooks/url-policy';

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const SNIPPET_CHARS = 200;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface HttpWebhookSenderOptions {
  policy: UrlPolicy;
  /** DNS; injectable so tests can play a rebinding resolver. Default: the OS resolver, all addresses. */
  resolve?: HostResolver;
  maxResponseBytes?: number;
  /** Concurrent connections per receiver address; more requests queue (inside their own deadline). */
  maxSocketsPerHost?: number;
  /** Extra trusted CA certificates (PEM) for receivers behind a private CA; the system roots stay trusted. */
  ca?: string | ReadonlyArray<string>;
}

export interface HttpSendResult extends SendResult {
  /** Response bytes read (never more than the cap, plus at most one chunk). */
  responseBytes?: number;
  /** The address connected to. */
  address?: string;
}

export const systemResolver: HostResolver = async (hostname) => {
  const results = await dnsLookup(hostname, { all: true, verbatim: true });
  return results.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

export class HttpWebhookSender implements WebhookSender {
  private readonly policy: UrlPolicy;
  private readonly resolve: HostResolver;
  private readonly maxResponseBytes: number;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly ca: string[] | undefined;

  constructor(options: HttpWebhookSenderOptions) {
    this.policy = options.policy;
    this.resolve = options.resolve ?? systemResolver;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSocketsPerHost ?? 16, maxTotalSockets: 512, scheduling: 'lifo' as const };
    this.httpAgent = new http.Agent(agentOptions);
    const extraCa = options.ca === undefined ? [] : typeof options.ca === 'string' ? [options.ca] : [...options.ca];
    this.ca = extraCa.length > 0 ? [...tls.rootCertificates, ...extraCa] : undefined;
    this.httpsAgent = new https.Agent(agentOptions);
  }

  async send(request: SendRequest): Promise<HttpSendResult> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const fail = (code: string, message: string, extra: Partial<HttpSendResult> = {}): HttpSendResult => ({ ok: false, latencyMs: elapsed(), error: { code, message }, ...extra });

    const checked = checkWebhookUrl(request.url, this.policy);
    if (!checked.ok) return fail(checked.violation.code === 'address_not_allowed' ? 'address_not_allowed' : 'invalid_url', checked.violation.message);
    const url = checked.url;

    let addresses: ResolvedAddress[];
    const literal = ipLiteralOf(url.hostname);
    if (literal !== undefined) {
      addresses = [{ address: literal, family: parseIp(literal)?.family ?? 4 }];
    } else {
      const resolved = await withDeadline(this.resolve(url.hostname), request.timeoutMs);
      if (resolved === 'timeout') return fail('timeout', `DNS resolution did not finish within ${request.timeoutMs} ms.`);
      if (resolved instanceof Error || resolved.length === 0) return fail('dns', 'The host name could not be resolved.');
      addresses = resolved;
    }
    // Every address must pass: a name resolving to one public and one private address is refused.
    for (const candidate of addresses) {
      const decision = checkAddress(candidate.address, this.policy);
      if (!decision.ok) return fail('address_not_allowed', decision.violation.message);
    }
    const target = addresses[0] as ResolvedAddress;
    const remaining = request.timeoutMs - (performance.now() - started);
    if (remaining <= 0) return fail('timeout', `No response within ${request.timeoutMs} ms.`);

    let result = await this.post(url, literal === undefined, target, request, remaining, started);
    // A kept-alive socket the receiver closed just as we reused it: the request never reached it.
    if (result.retryOnFreshSocket) {
      const left = request.timeoutMs - (performance.now() - started);
      if (left > 0) result = await this.post(url, literal === undefined, target, request, left, started, true);
    }
    delete result.retryOnFreshSocket;
    return result;
  }

  /** Frees pooled connections; in-flight requests finish or time out on their own. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private post(
    url: URL,
    byName: boolean,
    target: ResolvedAddress,
    request: SendRequest,
    budgetMs: number,
    started: number,
    freshSocket = false,
  ): Promise<HttpSendResult & { retryOnFreshSocket?: boolean }> {
    return new Promise((resolve) => {
      const isHttps = url.protocol === 'https:';
      const body = Buffer.from(request.body, 'utf8');
      let settled = false;
      let statusCode: number | undefined;
      let headersAt: number | undefined;
      let responseBytes = 0;
      const snippet: Buffer[] = [];
      let snippetBytes = 0;
      const latency = () => Math.round(((headersAt ?? performance.now()) - started) * 10) / 10;

      const finish = (outcome: HttpSendResult & { retryOnFreshSocket?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...outcome, address: target.address, responseBytes });
      };
      const byStatus = (): HttpSendResult => {
        const code = statusCode as number;
        if (code >= 200 && code < 300) return { ok: true, statusCode: code, latencyMs: latency() };
        if (code >= 300 && code < 400) {
          return { ok: false, statusCode: code, latencyMs: latency(), error: { code: 'redirect', message: `The endpoint redirected (HTTP ${code}); redirects are not followed.` } };
        }
        const text = printable(Buffer.concat(snippet).toString('utf8'));
        return { ok: false, statusCode: code, latencyMs: latency(), error: { code: 'http_status', message: `The endpoint answered HTTP ${code}${text ? `: ${text}` : '.'}` } };
      };

      const options: https.RequestOptions = {
        host: target.address,
        family: target.family,
        port: url.port === '' ? (isHttps ? 443 : 80) : Number(url.port),
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers: { ...request.headers, host: url.host, 'content-length': String(body.length) },
        agent: freshSocket ? false : isHttps ? this.httpsAgent : this.httpAgent,
        // TLS verifies the certificate against the name, while the socket goes to the checked address.
        ...(isHttps && byName ? { servername: url.hostname } : {}),
        ...(isHttps && this.ca ? { ca: this.ca } : {}),
      };
      const req = (isHttps ? https : http).request(options);

      const timer = setTimeout(() => {
        // With the status already in, the answer stands; only the body was slow.
        finish(statusCode !== undefined ? byStatus() : { ok: false, latencyMs: latency(), error: { code: 'timeout', message: `No response within ${request.timeoutMs} ms.` } });
        req.destroy();
      }, budgetMs);

      req.on('response', (res) => {
        statusCode = res.statusCode ?? 0;
        headersAt = performance.now();
        res.on('data', (chunk: Buffer) => {
          responseBytes += chunk.length;
          if (snippetBytes < SNIPPET_CHARS) {
            snippet.push(chunk.subarray(0, SNIPPET_CHARS - snippetBytes));
            snippetBytes += Math.min(chunk.length, SNIPPET_CHARS - snippetBytes);
          }
          if (responseBytes > this.maxResponseBytes) {
            // Enough: the rest is not read and the connection is not reused.
            finish(byStatus());
            res.destroy();
            req.destroy();
          }
        });
        res.on('end', () => finish(byStatus()));
        res.on('error', () => finish(byStatus()));
        res.on('aborted', () => finish(byStatus()));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (statusCode !== undefined) return finish(byStatus());
        if (!freshSocket && (req as http.ClientRequest & { reusedSocket?: boolean }).reusedSocket && err.code === 'ECONNRESET') {
          return finish({ ok: false, latencyMs: latency(), retryOnFreshSocket: true });
        }
        finish({ ok: false, latencyMs: latency(), error: networkError(err) });
      });
      req.end(body);
    });
  }
}

function networkError(err: NodeJS.ErrnoException): { code: string; message: string } {
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return { code: 'connect', message: 'The connection was refused.' };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { code: 'connect', message: 'The receiver is unreachable.' };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { code: 'connect', message: 'The connection was reset by the receiver.' };
  if (code.startsWith('ERR_TLS') || code.startsWith('CERT_') || /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return { code: 'tls', message: `TLS failed: ${code}.` };
  }
  if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_')) return { code: 'protocol', message: 'The receiver did not answer with valid HTTP.' };
  return { code: 'network', message: `The request failed${code ? ` (${code})` : ''}.` };
}

/** Keeps response text loggable: printable ASCII only, bounded. */
function printable(text: string): string {
  return text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, SNIPPET_CHARS);
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | Error | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
