/**
 * Admitting a pull source at stream creation: the URL policy of the deployment (loopback allowed
 * locally, public addresses only in the cloud) and, when a resolver is given, every address its name
 * resolves to now. Refusals are ValidationErrors on `body.source.url`, so the API answers 400
 * problem+json and nothing is stored; the message never repeats the URL.
 *
 * Must never: echo the URL or its credentials in an error.
 */
import { ValidationError } from '../errors';
import { checkAddress, ipLiteralOf, type UrlPolicy } from '../webhooks/url-policy';
import { checkSourceUrl } from './pull-source';

export interface SourceAdmissionDeps {
  sourcePolicy: UrlPolicy;
  /** DNS lookup of a host name (all addresses); absent: names are checked by the runner only. */
  resolveHost?: (host: string) => Promise<string[]>;
}

const PATH = 'body.source.url';

/** The URL as it will be stored, or a ValidationError saying why it is refused. */
export async function admitSource(deps: SourceAdmissionDeps, raw: string): Promise<string> {
  const checked = checkSourceUrl(raw, deps.sourcePolicy);
  if (!checked.ok) throw new ValidationError('The source URL is not allowed.', [{ path: PATH, message: checked.violation.message }]);
  if (deps.resolveHost && ipLiteralOf(checked.host) === undefined) {
    let addresses: string[] = [];
    try {
      addresses = await deps.resolveHost(checked.host);
    } catch {
      // A name that does not resolve yet is not inside the network; the runner reports DNS failures.
    }
    for (const address of addresses) {
      const decision = checkAddress(address, deps.sourcePolicy);
      if (!decision.ok) throw new ValidationError('The source URL is not allowed.', [{ path: PATH, message: 'The source host resolves to an address pull sources may not reach.' }]);
    }
  }
  return raw;
}
