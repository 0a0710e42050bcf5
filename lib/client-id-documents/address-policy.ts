/**
 * Which IP addresses a Client ID Metadata Document may be fetched from: public
 * unicast ones only (draft-ietf-oauth-client-id-metadata-document, Security
 * Considerations "Server-Side Request Forgery"). Everything else is a target an
 * attacker should not be able to point this server at: itself, its network, a
 * cloud metadata service (169.254.169.254), a multicast group.
 *
 * Rules:
 * - IPv4 (IANA special-purpose registry, RFC 6890 and successors): 0.0.0.0/8,
 *   10/8, 100.64/10 (CGN), 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24,
 *   192.88.99/24 (6to4 relays), 192.168/16, 198.18/15, 198.51.100/24,
 *   203.0.113/24, 224/4 (multicast), 240/4 (reserved, with 255.255.255.255) are
 *   not public;
 * - IPv6: only global unicast 2000::/3 can be public, and in it not 2001::/23
 *   (IETF protocol assignments, Teredo included), 2001:db8::/32 and 3fff::/20
 *   (documentation); outside it ::, ::1, fc00::/7, fe80::/10, fec0::/10,
 *   ff00::/8, 100::/64 and the rest are not;
 * - an IPv6 address that carries an IPv4 one is judged by it: IPv4-mapped
 *   `::ffff:a.b.c.d` (in either spelling) and 6to4 `2002:AABB:CCDD::/48`;
 * - NAT64 (64:ff9b::/96, 64:ff9b:1::/48) is not public: a translator may reach
 *   any IPv4 address behind it;
 * - an address with a zone (`fe80::1%eth0`) or that is not an IP is not public.
 */
import { BlockList, isIP } from 'node:net';

const IPV4_RANGES: readonly (readonly [string, number, string])[] = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGN)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** Ranges inside 2000::/3 that are not public. */
const IPV6_RANGES: readonly (readonly [string, number, string])[] = [
  ['2001::', 23, 'IETF protocol assignments'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
];

/** Names of the IPv6 space outside 2000::/3, for the reason a refusal gives. */
const IPV6_OUTSIDE: readonly (readonly [string, number, string])[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'NAT64'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
];

function blockList(
  family: 'ipv4' | 'ipv6',
  ranges: readonly (readonly [string, number, string])[],
) {
  const lists = ranges.map(([network, prefix, name]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, name };
  });
  return (address: string): string | undefined =>
    lists.find(({ list }) => list.check(address, family))?.name;
}

const ipv4Range = blockList('ipv4', IPV4_RANGES);
const ipv6Range = blockList('ipv6', IPV6_RANGES);
const ipv6Outside = blockList('ipv6', IPV6_OUTSIDE);
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (already checked by `isIP`). */
function ipv6Groups(address: string): number[] {
  // The URL parser writes IPv6 in its canonical form, dotted IPv4 tails as hex.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The IPv4 address an IPv6 one carries (IPv4-mapped, 6to4), if any. */
function embeddedIpv4(groups: readonly number[]): string | undefined {
  const g = (i: number) => groups[i] ?? 0;
  if (groups.slice(0, 5).every((x) => x === 0) && g(5) === 0xffff) return ipv4Of(g(6), g(7));
  if (g(0) === 0x2002) return ipv4Of(g(1), g(2));
  return undefined;
}

function ipv6NonPublic(address: string): string | undefined {
  const groups = ipv6Groups(address);
  const ipv4 = embeddedIpv4(groups);
  if (ipv4 !== undefined) {
    const range = ipv4Range(ipv4);
    return range === undefined ? undefined : `${range} (IPv4 ${ipv4})`;
  }
  if (GLOBAL_UNICAST.check(address, 'ipv6')) return ipv6Range(address);
  return ipv6Outside(address) ?? 'not global unicast';
}

/**
 * Why `address` is not a public address (`'loopback'`, `'private'`,
 * `'link-local'`, …), or undefined when it is one.
 */
export function nonPublicRange(address: string): string | undefined {
  if (address.includes('%')) return 'scoped (zone id)';
  const family = isIP(address);
  if (family === 4) return ipv4Range(address);
  if (family === 6) return ipv6NonPublic(address);
  return 'not an IP address';
}

/** Whether a document may be fetched from `address` (see the rules above). */
export function isPublicAddress(address: string): boolean {
  return nonPublicRange(address) === undefined;
}
