import { describe, expect, it } from 'vitest';
import {
  type ClientIpSource,
  type ClientNetworks,
  canonicalAddress,
  clientNetworks,
  ipv6Network,
  networksOfAddress,
} from '../../functions/http/client-ip.js';
import { fixedOriginSecrets } from '../../functions/http/front-door.js';
import { httpEvent } from '../helpers/events.js';

/**
 * Which address a request is charged to (abuse-resistance D2, T3): built from API Gateway events
 * directly, as Lambda receives them; no sockets.
 */

const DIRECT: ClientIpSource = { kind: 'direct' };
const PROXY: ClientIpSource = {
  kind: 'proxy',
  trusted: ['10.0.0.0/8', '2001:db8:ffff::/48', '203.0.113.7/32'],
};
const ORIGIN_SECRET = 'origin-secret-of-at-least-32-characters';
const CLOUDFRONT: ClientIpSource = { kind: 'cloudfront', originSecrets: fixedOriginSecrets(ORIGIN_SECRET) };

const ipv4 = (ip: string): ClientNetworks => ({ ip, keys: [{ scope: 'ip', value: `ip4:${ip}` }] });
const ipv6 = (ip: string, net64: string, net48: string): ClientNetworks => ({
  ip,
  keys: [
    { scope: 'ip', value: `ip6:${net64}` },
    { scope: 'ip48', value: `ip6:${net48}` },
  ],
});
const UNKNOWN: ClientNetworks = { ip: 'unknown', keys: [{ scope: 'ip', value: 'unknown' }] };

function networks(source: ClientIpSource, sourceIp: string, headers: Record<string, string> = {}) {
  return clientNetworks(
    httpEvent({ path: '/_matrix/client/v3/register/email/requestToken', sourceIp, headers }),
    source,
  );
}

describe('clientNetworks', () => {
  describe('direct: the source IP API Gateway saw', () => {
    it.each<[string, string, Record<string, string>, ClientNetworks]>([
      ['an IPv4 client', '192.0.2.1', {}, ipv4('192.0.2.1')],
      [
        'a spoofed X-Forwarded-For, ignored',
        '192.0.2.1',
        { 'x-forwarded-for': '198.51.100.9' },
        ipv4('192.0.2.1'),
      ],
      [
        'a spoofed X-Forwarded-For from a would-be proxy, ignored',
        '10.0.0.1',
        { 'x-forwarded-for': '198.51.100.9, 10.0.0.2' },
        ipv4('10.0.0.1'),
      ],
      [
        'CloudFront headers, ignored',
        '192.0.2.1',
        { 'cloudfront-viewer-address': '198.51.100.9:443', 'x-origin-verify': ORIGIN_SECRET },
        ipv4('192.0.2.1'),
      ],
      ['an IPv4-mapped IPv6 address, as IPv4', '::ffff:1.2.3.4', {}, ipv4('1.2.3.4')],
      [
        'an IPv6 client, on its /64 and its /48',
        '2001:db8:1:2:a:b:c:d',
        {},
        ipv6('2001:db8:1:2:a:b:c:d', '2001:db8:1:2::/64', '2001:db8:1::/48'),
      ],
    ])('%s', (_, sourceIp, headers, expected) => {
      expect(networks(DIRECT, sourceIp, headers)).toEqual(expected);
    });
  });

  describe('proxy: the rightmost X-Forwarded-For hop that is not a trusted proxy', () => {
    it.each<[string, string, string | undefined, ClientNetworks]>([
      ['one trusted proxy', '10.0.0.1', '198.51.100.9', ipv4('198.51.100.9')],
      [
        'the client-written entries on the left, ignored',
        '10.0.0.1',
        '1.1.1.1, 6.6.6.6, 198.51.100.9',
        ipv4('198.51.100.9'),
      ],
      [
        'trusted hops skipped, from the right',
        '10.0.0.1',
        '1.1.1.1, 198.51.100.9, 203.0.113.7, 10.2.3.4',
        ipv4('198.51.100.9'),
      ],
      ['hops with ports, and blanks', '10.0.0.1', ' , 198.51.100.9:51234 ,10.2.3.4:80', ipv4('198.51.100.9')],
      [
        'IPv6 hops, bracketed or not, and an IPv6 proxy',
        '2001:db8:ffff::1',
        '[2001:db8:1:2::1]:443, 2001:db8:ffff::2',
        ipv6('2001:db8:1:2::1', '2001:db8:1:2::/64', '2001:db8:1::/48'),
      ],
      ['an IPv4-mapped proxy and hop', '::ffff:10.0.0.1', '::ffff:198.51.100.9', ipv4('198.51.100.9')],
      [
        'an untrusted peer: its own address, X-Forwarded-For ignored',
        '192.0.2.1',
        '198.51.100.9',
        ipv4('192.0.2.1'),
      ],
      ['a trusted peer without X-Forwarded-For: the peer', '10.0.0.1', undefined, ipv4('10.0.0.1')],
      ['only trusted hops: the leftmost of them', '10.0.0.1', '10.9.9.9, 10.8.8.8', ipv4('10.9.9.9')],
      [
        'an unparsable hop where the client should be: unknown',
        '10.0.0.1',
        '198.51.100.9, nonsense',
        UNKNOWN,
      ],
    ])('%s', (_, sourceIp, forwardedFor, expected) => {
      const headers: Record<string, string> =
        forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
      expect(networks(PROXY, sourceIp, headers)).toEqual(expected);
    });

    it('reads the header whatever the case of its name in a hand-built event', () => {
      expect(networks(PROXY, '10.0.0.1', { 'X-Forwarded-For': '198.51.100.9' })).toEqual(
        ipv4('198.51.100.9'),
      );
    });
  });

  describe("cloudfront: the viewer address, only with CloudFront's origin secret", () => {
    const viaCloudFront = (viewer: string) => ({
      'cloudfront-viewer-address': viewer,
      'x-origin-verify': ORIGIN_SECRET,
    });

    it.each<[string, string, Record<string, string>, ClientNetworks]>([
      [
        'an IPv4 viewer, port stripped',
        '130.176.1.1',
        viaCloudFront('198.51.100.9:46532'),
        ipv4('198.51.100.9'),
      ],
      [
        'an IPv6 viewer as CloudFront writes it, port appended',
        '130.176.1.1',
        viaCloudFront('2001:db8:1:2:0:0:0:1:46532'),
        ipv6('2001:db8:1:2::1', '2001:db8:1:2::/64', '2001:db8:1::/48'),
      ],
      [
        'a bracketed IPv6 viewer',
        '130.176.1.1',
        viaCloudFront('[2001:db8:1:2::1]:46532'),
        ipv6('2001:db8:1:2::1', '2001:db8:1:2::/64', '2001:db8:1::/48'),
      ],
      [
        'an unbracketed IPv6 viewer that is whole only with its last group',
        '130.176.1.1',
        viaCloudFront('2001:db8:1:2:3:4:5:6'),
        ipv6('2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64', '2001:db8:1::/48'),
      ],
      [
        'a wrong secret: bypassed CloudFront, so the source IP',
        '192.0.2.1',
        { 'cloudfront-viewer-address': '198.51.100.9:1', 'x-origin-verify': `${ORIGIN_SECRET}x` },
        ipv4('192.0.2.1'),
      ],
      [
        'no secret: the source IP',
        '192.0.2.1',
        { 'cloudfront-viewer-address': '198.51.100.9:1' },
        ipv4('192.0.2.1'),
      ],
      [
        'the secret but no viewer address: unknown',
        '130.176.1.1',
        { 'x-origin-verify': ORIGIN_SECRET },
        UNKNOWN,
      ],
      [
        'the secret and a garbled viewer address: unknown',
        '130.176.1.1',
        viaCloudFront('not-an-ip:80'),
        UNKNOWN,
      ],
    ])('%s', (_, sourceIp, headers, expected) => {
      expect(networks(CLOUDFRONT, sourceIp, headers)).toEqual(expected);
    });
  });

  describe('keys', () => {
    const keysOf = (address: string) => networksOfAddress(address).keys.map((key) => key.value);

    it('gives addresses in one /64 the same keys', () => {
      expect(keysOf('2001:db8:1:2:a:b:c:d')).toEqual(keysOf('2001:db8:1:2::1'));
      expect(keysOf('2001:DB8:0001:0002:0000:0000:0000:0001')).toEqual(keysOf('2001:db8:1:2::1'));
    });

    it('gives another /64 of the same /48 only the /48 key', () => {
      const [net64, net48] = keysOf('2001:db8:1:2::1');
      const [other64, other48] = keysOf('2001:db8:1:3::1');
      expect(other64).not.toBe(net64);
      expect(other48).toBe(net48);
      expect(keysOf('2001:db8:2:2::1')[1]).not.toBe(net48);
    });

    it('keys IPv4 on the whole address, and an IPv4-mapped address as that IPv4', () => {
      expect(keysOf('192.0.2.1')).toEqual(['ip4:192.0.2.1']);
      expect(keysOf('192.0.2.2')).toEqual(['ip4:192.0.2.2']);
      expect(keysOf('::ffff:192.0.2.1')).toEqual(['ip4:192.0.2.1']);
      expect(keysOf('::FFFF:c000:0201')).toEqual(['ip4:192.0.2.1']);
    });

    it.each([
      '',
      'garbage',
      '192.0.2.1.5',
      '192.0.2.256',
      '01.2.3.4',
      '2001:db8::1::2',
      '[2001:db8::1]',
      '::ffff:1.2.3',
    ])('puts %j into the one shared unknown key', (text) => {
      expect(networksOfAddress(text)).toEqual(UNKNOWN);
    });

    it('puts a garbled source IP into the unknown key too', () => {
      expect(networks(DIRECT, 'garbage')).toEqual(UNKNOWN);
    });
  });
});

describe('canonicalAddress', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    [' 192.0.2.1 ', '192.0.2.1'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['fe80::1%eth0', 'fe80::1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['::192.0.2.33', '::c000:221'],
  ])('reads %j as %j', (text, canonical) => {
    expect(canonicalAddress(text)).toBe(canonical);
  });

  it.each(['', 'localhost', '1.2.3', '2001:db8:::1', '12345::', 'g::1'])('reads %j as no address', (text) => {
    expect(canonicalAddress(text)).toBeUndefined();
  });
});

describe('ipv6Network', () => {
  it.each<[string, number, string]>([
    ['2001:db8:1:2:a:b:c:d', 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2:a:b:c:d', 48, '2001:db8:1::/48'],
    ['2001:db8:1234:5678::1', 52, '2001:db8:1234:5000::/52'],
    ['2001:db8:1234:5678::1', 56, '2001:db8:1234:5600::/56'],
    ['2001:db8:1234:ffff::1', 63, '2001:db8:1234:fffe::/63'],
    ['2001:db8::1', 128, '2001:db8::1/128'],
    ['2001:db8::1', 0, '::/0'],
    ['2001:0:0:0:1::', 64, '2001::/64'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 17, 'ffff:8000::/17'],
  ])('puts %s in its /%i, %s', (address, prefix, network) => {
    expect(ipv6Network(address, prefix)).toBe(network);
  });

  it('refuses what is not an IPv6 address or a prefix length', () => {
    expect(ipv6Network('192.0.2.1', 24)).toBeUndefined();
    expect(ipv6Network('2001:db8::1', 129)).toBeUndefined();
    expect(ipv6Network('2001:db8::1', 6.5)).toBeUndefined();
  });
});
