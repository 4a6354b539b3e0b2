/**
 * The address a relay dials: the target host resolved right before the connection, and every address it
 * resolves to checked against the URL policy (a name that was public at registration may point inside
 * the network now). Shared by the RTMP forwarder and the SRT relay.
 *
 * Must never: return an address the policy refuses, or dial anything itself.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { checkTargetAddress } from '../../../../core/relays/target-url';
import type { UrlPolicy } from '../../../../core/webhooks/url-policy';

export type Resolve = (host: string) => Promise<string[]>;

/** The first address of `host` when all of them pass the policy; throws an Error whose message is safe to show. */
export async function resolveTargetAddress(host: string, policy: UrlPolicy, resolve: Resolve = systemResolve): Promise<string> {
  const addresses = isIP(host)
    ? [host]
    : await resolve(host).catch(() => {
        throw new Error(`could not resolve ${host}`);
      });
  if (addresses.length === 0) throw new Error(`could not resolve ${host}`);
  for (const address of addresses) {
    const decision = checkTargetAddress(address, policy);
    if (!decision.ok) throw new Error(decision.message);
  }
  return addresses[0]!;
}

async function systemResolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}
