/**
 * Which addresses the server may send HTTP requests to (DESIGN.md §11, issue 14 item 3).
 *
 * Members choose where webhooks, Slack messages and verification codes go, so without a
 * policy any member could make the server reach loopback, the cloud metadata address or
 * the private network behind it. By default every address that is not public unicast is
 * refused: loopback, link-local, private, shared (CGNAT), multicast, unspecified,
 * reserved, and IPv6 forms that embed such an IPv4 address (IPv4-mapped, IPv4-compatible,
 * NAT64). `VIGIL_OUTBOUND_ALLOW` (comma-separated CIDRs, addresses or host names) opens
 * internal targets for deployments that need them.
 *
 * The check runs on the resolved address, and the connection is pinned to exactly the
 * address checked (`pinnedLookup`), so a name that answers differently the second time
 * (DNS rebinding) cannot slip through. Redirects are never followed (channels/http.ts).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

/** The one wording used on the timeline and in API errors; no address or port is echoed. */
export const BLOCKED_MESSAGE = 'blocked by the outbound policy';

export type Resolved = { ok: true; address: string; family: 4 | 6 } | { ok: false; blocked: true } | { ok: false; blocked: false; error: Error };

interface Cidr {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
}

const DENY_V4 = [
  '0.0.0.0/8', // "this network", unspecified
  '10.0.0.0/8',
  '100.64.0.0/10', // shared address space (CGNAT)
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, cloud metadata
  '172.16.0.0/12',
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16',
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, broadcast
].map(parseCidr);

const DENY_V6 = [
  '::/96', // unspecified, loopback, IPv4-compatible
  'fe80::/10', // link-local
  'fec0::/10', // site-local (deprecated)
  'fc00::/7', // unique local
  'ff00::/8', // multicast
  '100::/64', // discard
].map(parseCidr);

function v4Bits(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6Bits(ip: string): bigint {
  let s = ip.toLowerCase().replace(/%.*$/, '');
  // A trailing dotted IPv4 (::ffff:1.2.3.4) becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = v4Bits(dotted[1]!);
    s = s.slice(0, -dotted[1]!.length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

function parseCidr(entry: string): Cidr {
  const [ip, len] = entry.split('/');
  const family = isIP(ip!);
  if (family !== 4 && family !== 6) throw new Error(`not an IP address or CIDR: ${entry}`);
  const max = family === 4 ? 32 : 128;
  const prefix = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`bad prefix length in ${entry}`);
  return { family, bits: family === 4 ? v4Bits(ip!) : v6Bits(ip!), prefix };
}

function inCidr(c: Cidr, family: 4 | 6, bits: bigint): boolean {
  if (c.family !== family) return false;
  const width = family === 4 ? 32n : 128n;
  const shift = width - BigInt(c.prefix);
  return bits >> shift === c.bits >> shift;
}

/** The IPv4 address an IPv6 address stands for (mapped ::ffff:0:0/96, NAT64 64:ff9b::/96), if any. */
function embeddedV4(bits: bigint): bigint | null {
  const top = bits >> 32n;
  if (top === 0xffffn) return bits & 0xffffffffn;
  if (top === 0x64ff9b0000000000000000n) return bits & 0xffffffffn;
  return null;
}

export class OutboundPolicy {
  readonly #allowCidrs: Cidr[] = [];
  readonly #allowHosts = new Set<string>();

  /** `allow`: CIDRs ("10.1.0.0/16"), addresses ("127.0.0.1", "::1") or host names ("hooks.internal"). */
  constructor(allow: readonly string[] = []) {
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
      if (!entry) continue;
      if (isIP(entry.split('/')[0]!)) this.#allowCidrs.push(parseCidr(entry));
      else if (/^[a-z0-9.-]+$/.test(entry) && !entry.includes('/')) this.#allowHosts.add(entry.replace(/\.$/, ''));
      else throw new Error(`VIGIL_OUTBOUND_ALLOW: ${JSON.stringify(raw)} is neither a CIDR, an IP address nor a host name`);
    }
  }

  /** Parses VIGIL_OUTBOUND_ALLOW ("10.0.0.0/8, hooks.internal"). */
  static fromList(list: string | undefined): OutboundPolicy {
    return new OutboundPolicy((list ?? '').split(','));
  }

  /** Whether a connection to this IP address is allowed (the host name, if any, may be allowed by name). */
  allowsAddress(ip: string, hostname?: string): boolean {
    if (hostname && this.#allowHosts.has(normalizeHost(hostname))) return true;
    const family = isIP(ip);
    if (family !== 4 && family !== 6) return false;
    let fam: 4 | 6 = family;
    let bits = family === 4 ? v4Bits(ip) : v6Bits(ip);
    if (this.#allowCidrs.some((c) => inCidr(c, fam, bits))) return true;
    if (fam === 6) {
      const v4 = embeddedV4(bits);
      if (v4 !== null) {
        fam = 4;
        bits = v4;
        if (this.#allowCidrs.some((c) => inCidr(c, 4, bits))) return true;
      }
    }
    return !(fam === 4 ? DENY_V4 : DENY_V6).some((c) => inCidr(c, fam, bits));
  }

  /**
   * Whether the operator named this host (or its literal address) in the allow list. Channels
   * whose addresses must be a provider's own host (Discord, Teams) also accept such a host: a
   * relay the operator runs, or a test's local stand-in for the provider.
   */
  namesHost(hostname: string): boolean {
    const host = normalizeHost(hostname);
    if (this.#allowHosts.has(host)) return true;
    const family = isIP(host);
    if (family !== 4 && family !== 6) return false;
    const bits = family === 4 ? v4Bits(host) : v6Bits(host);
    return this.#allowCidrs.some((c) => inCidr(c, family, bits));
  }

  /**
   * The one address a request to `hostname` will connect to, or why not. Every address
   * the name resolves to must be allowed (otherwise round-robin answers could mix in an
   * internal one); the first is used.
   */
  async resolve(hostname: string): Promise<Resolved> {
    const host = normalizeHost(hostname);
    const literal = isIP(host);
    if (literal === 4 || literal === 6) return this.allowsAddress(host, host) ? { ok: true, address: host, family: literal } : { ok: false, blocked: true };
    let answers: { address: string; family: number }[];
    try {
      answers = await dnsLookup(host, { all: true, verbatim: true });
    } catch (err) {
      return { ok: false, blocked: false, error: err as Error };
    }
    if (!answers.length) return { ok: false, blocked: false, error: Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' }) };
    if (answers.some((a) => !this.allowsAddress(a.address, host))) return { ok: false, blocked: true };
    const first = answers[0]!;
    return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
  }

  /**
   * Whether the policy refuses a URL's host now. A name that does not resolve is not
   * refused here (it may exist later); every delivery checks again.
   */
  async refusesUrl(url: string): Promise<boolean> {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return false;
    }
    const r = await this.resolve(host);
    return !r.ok && r.blocked;
  }
}

/** URL host names come bracketed for IPv6 and may end in a dot. */
export function normalizeHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/** A `lookup` for http(s).request / net.connect that answers only the address already checked. */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (options?.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as unknown as LookupFunction;
}
