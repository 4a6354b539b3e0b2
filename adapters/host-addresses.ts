/**
 * The addresses a host name resolves to, for the URL policies' "where does this name point" check
 * (webhook endpoints, simulcast targets, pull sources). Bounded: a hung resolver must fail the check
 * with a clear error instead of holding an API request or a pull start open.
 * Must never: resolve without the deadline, or swallow a lookup error (the caller refuses the URL).
 */
import { systemResolver, type HostResolver } from './http-webhook-sender';

export const DNS_CHECK_TIMEOUT_MS = 3_000;

export function hostAddresses(options: { resolve?: HostResolver; timeoutMs?: number } = {}): (host: string) => Promise<string[]> {
  const resolve = options.resolve ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? DNS_CHECK_TIMEOUT_MS;
  return async (host) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('DNS check timed out')), timeoutMs);
    });
    try {
      return (await Promise.race([resolve(host), deadline])).map((a) => a.address);
    } finally {
      clearTimeout(timer);
    }
  };
}
