/**
 * Where webhooks may be sent: the pure URL policy. Checks the URL itself (http or https, a host, no
 * credentials, no fragment, bounded length) and classifies IP addresses (IPv4, IPv6, IPv4-mapped and
 * NAT64/6to4-embedded IPv4) so that deliveries never reach private, loopback, link-local, unspecified,
 * multicast or reserved ranges unless configuration allow-lists them. Names are checked here only
 * when they are IP literals or obviously local; the sender checks every address a name resolves to.
 *
 * Must never: do I/O (no DNS here), or let an allow-list unlock the cloud metadata service, the
 * unspecified address or multicast — those are refused whatever the configuration says.
 */

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

export interface Cidr {
  family: 4 | 6;
  /** The network address as an unsigned integer (32 or 128 bits). */
  network: bigint;
  prefix: number;
  /** As given, for error messages and logs. */
  text: string;
}

export interface UrlPolicy {
  /** Local plane: receivers on this machine are the normal case. Never set in the cloud. */
  allowLoopback: boolean;
  /** Ranges configuration explicitly allows even though they are not public (e.g. a VPC receiver). */
  allowCidrs: ReadonlyArray<Cidr>;
}

export const CLOUD_URL_POLICY: UrlPolicy = { allowLoopback: false, allowCidrs: [] };
export const LOCAL_URL_POLICY: UrlPolicy = { allowLoopback: true, allowCidrs: [] };

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type UrlViolationCode =
  | 'invalid_url'
  | 'unsupported_scheme'
  | 'credentials_in_url'
  | 'fragment_in_url'
  | 'url_too_long'
  | 'address_not_allowed';

export interface UrlViolation {
  code: UrlViolationCode;
  message: string;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; violation: UrlViolation };

/** Host names that always mean this machine, whatever DNS says (allowed where loopback is). */
const LOOPBACK_NAMES = [/^localhost\.?$/i, /\.localhost\.?$/i];
/** Host names of cloud metadata services: refused in every policy, like the metadata addresses. */
const METADATA_NAMES = [/^metadata\.google\.internal\.?$/i, /^metadata(\.azure\.com)?\.?$/i, /^instance-data(\.ec2\.internal)?\.?$/i];

/**
 * Checks a webhook URL without resolving it. An IP literal is checked against the policy here; a name
 * is checked against the obviously-local names (the sender checks what it resolves to on every attempt).
 */
export function checkWebhookUrl(raw: string, policy: UrlPolicy): UrlCheck {
  const fail = (code: UrlViolationCode, message: string): UrlCheck => ({ ok: false, violation: { code, message } });
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return fail('url_too_long', `The URL must be at most ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('invalid_url', 'The URL is not a valid absolute URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('unsupported_scheme', 'The URL must use http or https.');
  if (url.username !== '' || url.password !== '') return fail('credentials_in_url', 'The URL must not contain a user name or password.');
  if (url.hash !== '' || raw.includes('#')) return fail('fragment_in_url', 'The URL must not contain a fragment (#).');
  if (url.hostname === '') return fail('invalid_url', 'The URL has no host.');

  const literal = ipLiteralOf(url.hostname);
  if (literal !== undefined) {
    const decision = checkAddress(literal, policy);
    if (!decision.ok) return { ok: false, violation: decision.violation };
  } else if (METADATA_NAMES.some((pattern) => pattern.test(url.hostname))) {
    return fail('address_not_allowed', 'The URL points at a cloud metadata service.');
  } else if (!policy.allowLoopback && LOOPBACK_NAMES.some((pattern) => pattern.test(url.hostname))) {
    return fail('address_not_allowed', 'The URL points at this machine or its cloud environment.');
  }
  return { ok: true, url };
}

/** The IP address a URL host names, if it is a literal (WHATWG URL has already normalised 0x7f.1 and friends). */
export function ipLiteralOf(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return parseIp(bare) ? bare : undefined;
}

export type AddressCheck = { ok: true; class: AddressClass } | { ok: false; class: AddressClass | 'invalid'; violation: UrlViolation };

/** Decides one resolved (or literal) address against the policy. */
export function checkAddress(address: string, policy: UrlPolicy): AddressCheck {
  const parsed = parseIp(address);
  if (!parsed) return { ok: false, class: 'invalid', violation: { code: 'address_not_allowed', message: 'The host did not resolve to a valid IP address.' } };
  const cls = classifyParsed(parsed);
  if (cls === 'public') return { ok: true, class: cls };
  const refuse = (why: string): AddressCheck => ({ ok: false, class: cls, violation: { code: 'address_not_allowed', message: `The URL resolves to ${why} address, which webhooks may not target.` } });
  // Never unlockable: these reach the host itself, its credentials, or everyone at once.
  if (cls === 'metadata') return refuse('the cloud metadata service');
  if (cls === 'unspecified') return refuse('an unspecified (0.0.0.0 or ::)');
  if (cls === 'multicast') return refuse('a multicast or broadcast');
  if (cls === 'loopback' && policy.allowLoopback) return { ok: true, class: cls };
  if (policy.allowCidrs.some((cidr) => cidrContainsParsed(cidr, parsed))) return { ok: true, class: cls };
  const names: Record<AddressClass, string> = {
    public: 'a public',
    loopback: 'a loopback',
    private: 'a private',
    link_local: 'a link-local',
    metadata: 'the metadata',
    unspecified: 'an unspecified',
    multicast: 'a multicast',
    reserved: 'a reserved',
  };
  return refuse(names[cls]);
}

export function classifyAddress(address: string): AddressClass | undefined {
  const parsed = parseIp(address);
  return parsed ? classifyParsed(parsed) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Parsing

interface ParsedIp {
  family: 4 | 6;
  value: bigint;
}

export function parseIp(text: string): ParsedIp | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Strict dotted quad only: the forms URL parsing already normalised, and what DNS returns. */
function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** RFC 4291 text forms incl. `::` and a trailing dotted quad. Zone ids (`%eth0`) are refused. */
function parseIpv6(text: string): bigint | undefined {
  if (text.length > 45 || text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const pieces = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
      out.push(parseInt(piece, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Classification

interface Range {
  network: bigint;
  prefix: number;
  cls: AddressClass;
}

const v4 = (a: number, b: number, c: number, d: number) => (BigInt(a) << 24n) | (BigInt(b) << 16n) | (BigInt(c) << 8n) | BigInt(d);

/** Most specific first: the first match wins. */
const IPV4_RANGES: ReadonlyArray<Range> = [
  { network: v4(169, 254, 169, 254), prefix: 32, cls: 'metadata' }, // EC2/ECS/GCP/Azure instance metadata
  { network: v4(169, 254, 170, 2), prefix: 32, cls: 'metadata' }, // ECS task credentials endpoint
  { network: v4(255, 255, 255, 255), prefix: 32, cls: 'multicast' }, // limited broadcast
  { network: v4(0, 0, 0, 0), prefix: 32, cls: 'unspecified' },
  { network: v4(0, 0, 0, 0), prefix: 8, cls: 'reserved' }, // "this network"
  { network: v4(10, 0, 0, 0), prefix: 8, cls: 'private' },
  { network: v4(100, 64, 0, 0), prefix: 10, cls: 'private' }, // carrier-grade NAT
  { network: v4(127, 0, 0, 0), prefix: 8, cls: 'loopback' },
  { network: v4(169, 254, 0, 0), prefix: 16, cls: 'link_local' },
  { network: v4(172, 16, 0, 0), prefix: 12, cls: 'private' },
  { network: v4(192, 0, 0, 0), prefix: 24, cls: 'reserved' }, // IETF protocol assignments
  { network: v4(192, 0, 2, 0), prefix: 24, cls: 'reserved' }, // TEST-NET-1
  { network: v4(192, 88, 99, 0), prefix: 24, cls: 'reserved' }, // 6to4 relay anycast
  { network: v4(192, 168, 0, 0), prefix: 16, cls: 'private' },
  { network: v4(198, 18, 0, 0), prefix: 15, cls: 'reserved' }, // benchmarking
  { network: v4(198, 51, 100, 0), prefix: 24, cls: 'reserved' }, // TEST-NET-2
  { network: v4(203, 0, 113, 0), prefix: 24, cls: 'reserved' }, // TEST-NET-3
  { network: v4(224, 0, 0, 0), prefix: 4, cls: 'multicast' },
  { network: v4(240, 0, 0, 0), prefix: 4, cls: 'reserved' },
];

const v6 = (text: string) => parseIpv6(text) as bigint;

const IPV6_RANGES: ReadonlyArray<Range> = [
  { network: v6('fd00:ec2::254'), prefix: 128, cls: 'metadata' }, // EC2 metadata over IPv6
  { network: 0n, prefix: 128, cls: 'unspecified' },
  { network: 1n, prefix: 128, cls: 'loopback' },
  { network: v6('100::'), prefix: 64, cls: 'reserved' }, // discard-only
  { network: v6('2001:db8::'), prefix: 32, cls: 'reserved' }, // documentation
  { network: v6('2001::'), prefix: 32, cls: 'reserved' }, // Teredo: tunnels to arbitrary IPv4
  { network: v6('2001::'), prefix: 23, cls: 'reserved' }, // IETF protocol assignments
  { network: v6('fc00::'), prefix: 7, cls: 'private' }, // unique local
  { network: v6('fe80::'), prefix: 10, cls: 'link_local' },
  { network: v6('fec0::'), prefix: 10, cls: 'private' }, // deprecated site-local
  { network: v6('ff00::'), prefix: 8, cls: 'multicast' },
];

function inRange(value: bigint, bits: number, network: bigint, prefix: number): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === network >> shift;
}

function classifyParsed(ip: ParsedIp): AddressClass {
  if (ip.family === 4) return classifyV4(ip.value);
  const embedded = embeddedIpv4(ip.value);
  if (embedded !== undefined) return classifyV4(embedded);
  for (const range of IPV6_RANGES) if (inRange(ip.value, 128, range.network, range.prefix)) return range.cls;
  // Only global unicast (2000::/3) is public; everything else unassigned is reserved.
  return inRange(ip.value, 128, v6('2000::'), 3) ? 'public' : 'reserved';
}

function classifyV4(value: bigint): AddressClass {
  for (const range of IPV4_RANGES) if (inRange(value, 32, range.network, range.prefix)) return range.cls;
  return 'public';
}

/**
 * IPv6 forms that carry an IPv4 address a packet may end up at: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d, deprecated), NAT64 (64:ff9b::/96) and 6to4 (2002:abcd:efgh::/48).
 * Classifying the embedded address stops `::ffff:127.0.0.1` and friends from passing as public.
 */
function embeddedIpv4(value: bigint): bigint | undefined {
  const low32 = value & 0xffffffffn;
  if (value >> 32n === 0xffffn) return low32;
  if (value >> 32n === 0n && value > 1n) return low32;
  if (inRange(value, 128, v6('64:ff9b::'), 96)) return low32;
  if (inRange(value, 128, v6('64:ff9b:1::'), 48)) return low32;
  if (inRange(value, 128, v6('2002::'), 16)) return (value >> 80n) & 0xffffffffn;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Allow-list CIDRs

export class InvalidCidrError extends Error {
  override readonly name = 'InvalidCidrError';
  readonly code = 'invalid_cidr';
  constructor(text: string) {
    super(`"${text.slice(0, 60)}" is not a CIDR range such as 10.1.0.0/16 or fd12:3456::/48.`);
  }
}

export function parseCidr(text: string): Cidr {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const ip = parseIp(address);
  if (!ip || rest.length > 0) throw new InvalidCidrError(text);
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new InvalidCidrError(text);
  const shift = BigInt(bits - prefix);
  return { family: ip.family, network: (ip.value >> shift) << shift, prefix, text: text.trim() };
}

export function parseCidrList(text: string): Cidr[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseCidr);
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const ip = parseIp(address);
  return ip ? cidrContainsParsed(cidr, ip) : false;
}

function cidrContainsParsed(cidr: Cidr, ip: ParsedIp): boolean {
  // An IPv4-mapped IPv6 address is the IPv4 address for allow-listing too.
  if (ip.family === 6 && cidr.family === 4 && ip.value >> 32n === 0xffffn) ip = { family: 4, value: ip.value & 0xffffffffn };
  if (ip.family !== cidr.family) return false;
  return inRange(ip.value, cidr.family === 4 ? 32 : 128, cidr.network, cidr.prefix);
}
