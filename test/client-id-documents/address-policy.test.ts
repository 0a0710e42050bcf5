/**
 * Which addresses a Client ID Metadata Document may be fetched from
 * (lib/client-id-documents/address-policy.ts). The draft's Security
 * Considerations: the server "SHOULD NOT" fetch from "internal" addresses
 * (loopback, private, link-local), the classic SSRF targets.
 */
import { expect } from 'chai';
import { isPublicAddress, nonPublicRange } from '../../lib/client-id-documents/address-policy.js';

describe('client id documents: the address policy', () => {
  const refused: readonly (readonly [string, string])[] = [
    ['0.0.0.0', 'this network'],
    ['0.1.2.3', 'this network'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared (CGN)'],
    ['100.127.255.254', 'shared (CGN)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', '6to4 relay'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.7', 'documentation'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback (IPv4 127.0.0.1)'],
    ['::ffff:7f00:1', 'loopback (IPv4 127.0.0.1)'],
    ['::FFFF:10.1.2.3', 'private (IPv4 10.1.2.3)'],
    ['::ffff:169.254.169.254', 'link-local (IPv4 169.254.169.254)'],
    ['2002:c0a8:101::1', 'private (IPv4 192.168.1.1)'],
    ['2002:7f00:1::', 'loopback (IPv4 127.0.0.1)'],
    ['64:ff9b::8.8.8.8', 'NAT64'],
    ['64:ff9b::a00:1', 'NAT64'],
    ['64:ff9b:1::1', 'NAT64'],
    ['fc00::1', 'unique local (private)'],
    ['fd00:ec2::254', 'unique local (private)'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001::1', 'IETF protocol assignments'],
    ['100::1', 'not global unicast'],
    ['::127.0.0.1', 'not global unicast'],
    ['fec0::1', 'not global unicast'],
    ['fe80::1%eth0', 'scoped (zone id)'],
    ['localhost', 'not an IP address'],
    ['', 'not an IP address'],
    ['1.2.3', 'not an IP address'],
  ];
  for (const [address, range] of refused) {
    it(`${JSON.stringify(address)} is not public: ${range}`, () => {
      expect(nonPublicRange(address)).to.equal(range);
      expect(isPublicAddress(address)).to.equal(false);
    });
  }

  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '192.169.0.1',
    '198.20.0.1',
    '223.255.255.254',
    '::ffff:8.8.8.8',
    '2002:808:808::1',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
    '2001:200::1',
  ];
  for (const address of allowed) {
    it(`${address} is public`, () => {
      expect(nonPublicRange(address)).to.equal(undefined);
      expect(isPublicAddress(address)).to.equal(true);
    });
  }
});
