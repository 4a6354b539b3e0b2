/**
 * Where the API's bearer token comes from: a plain value (local plane, tests) or a Secrets Manager
 * secret read through the AWS Parameters and Secrets Lambda Extension (no extra SDK in the bundle; the
 * CDK function must attach the extension layer). Cached for a few minutes so a rotated secret is picked
 * up without a redeploy; a failed read is not cached. The token is never logged.
 */
import type { ApiTokenConfig } from './config';
import type { TokenSource } from './bearer-auth';

const CACHE_MS = 5 * 60_000;

export function apiTokenSource(config: ApiTokenConfig, fetchImpl: typeof fetch = fetch): TokenSource {
  if ('value' in config) {
    const value = config.value;
    return () => value;
  }
  let cached: { value: string; until: number } | undefined;
  let inFlight: Promise<string> | undefined;
  return () => {
    if (cached && cached.until > Date.now()) return cached.value;
    inFlight ??= readSecret(config, fetchImpl)
      .then((value) => {
        cached = { value, until: Date.now() + CACHE_MS };
        return value;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}

export class SecretReadError extends Error {
  override readonly name = 'SecretReadError';
  readonly code = 'secret_read';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

async function readSecret(config: { secretArn: string; sessionToken?: string; extensionPort: number }, fetchImpl: typeof fetch): Promise<string> {
  const url = `http://localhost:${config.extensionPort}/secretsmanager/get?secretId=${encodeURIComponent(config.secretArn)}`;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { 'X-Aws-Parameters-Secrets-Token': config.sessionToken ?? '' }, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new SecretReadError('Could not reach the Parameters and Secrets extension.', { cause: err });
  }
  if (!response.ok) throw new SecretReadError(`Reading the API token secret failed with HTTP ${response.status}.`);
  const payload = (await response.json()) as { SecretString?: unknown };
  if (typeof payload.SecretString !== 'string' || payload.SecretString.length === 0) throw new SecretReadError('The API token secret has no string value.');
  return tokenFromSecretString(payload.SecretString);
}

/** A secret holds either the bare token or JSON `{ "token": "…" }` (the shape CDK's generateSecretString makes). */
function tokenFromSecretString(secret: string): string {
  if (secret.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(secret) as { token?: unknown };
      if (typeof parsed.token === 'string' && parsed.token.length > 0) return parsed.token;
    } catch {
      // not JSON after all: fall through to the bare value
    }
    throw new SecretReadError('The API token secret is JSON without a "token" string.');
  }
  return secret;
}
