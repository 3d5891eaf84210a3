/**
 * The client's IP address as the abuse limits key it, from an API Gateway event. Which address
 * counts depends on what is in front of the API (CLIENT_IP_SOURCE): nothing (`direct`, the
 * connection's source IP; `X-Forwarded-For` is anyone's to write), the operator's reverse proxy
 * (`proxy`, the rightmost `X-Forwarded-For` hop not in TRUSTED_PROXY_CIDRS), or CloudFront
 * (`cloudfront`, its viewer address, believed only with the origin secret CloudFront adds; the
 * handlers refuse a request without it anyway, http/front-door.ts).
 *
 * The address is then reduced to the networks one party controls: an IPv4 address is keyed on
 * itself; an IPv6 address on its /64 (one host can use all of it) and also charged to its /48 (a
 * site). Anything that cannot be read as an address shares a single `unknown` key.
 *
 * Pure: no clock, no configuration read, no I/O.
 */
import { BlockList, isIP } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { OriginSecrets } from './front-door.js';

/** Where the client's address is found, as CLIENT_IP_SOURCE and its companions configure it. */
export type ClientIpSource =
  | { readonly kind: 'direct' }
  /** `trusted`: CIDRs (`10.0.0.0/8`, `2001:db8::/32`) of the proxies whose X-Forwarded-For is believed. */
  | { readonly kind: 'proxy'; readonly trusted: readonly string[] }
  /** `originSecrets`: what CloudFront puts in X-Origin-Verify, so a request proves it came through it. */
  | { readonly kind: 'cloudfront'; readonly originSecrets: OriginSecrets };

/** `ip`: an IPv4 address or an IPv6 /64; `ip48`: the IPv6 /48 an `ip` key also counts against. */
export type NetworkScope = 'ip' | 'ip48';

export interface NetworkKey {
  readonly scope: NetworkScope;
  /** `ip4:192.0.2.1`, `ip6:2001:db8:1:2::/64`, `ip6:2001:db8:1::/48`, or `unknown`. */
  readonly value: string;
}

export interface ClientNetworks {
  /**
   * The client's address, normalised (IPv4-mapped IPv6 as IPv4, IPv6 in canonical compressed
   * form), or `unknown`. Personal data: log it only as a prefix or a keyed digest.
   */
  readonly ip: string;
  /** The keys to charge: one for IPv4 and for `unknown`, the /64 then the /48 for IPv6. */
  readonly keys: readonly NetworkKey[];
}

/** The one key every request whose address cannot be read shares. */
export const UNKNOWN_CLIENT = 'unknown';
/** Set by CloudFront (when the origin request policy forwards it): the viewer's `ip:port`. */
export const VIEWER_ADDRESS_HEADER = 'cloudfront-viewer-address';
/** Set by CloudFront as a custom origin header, to the origin secret. */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';
export const FORWARDED_FOR_HEADER = 'x-forwarded-for';

/** The networks of the client that sent `event`, found where `source` says. */
export function clientNetworks(event: APIGatewayProxyEventV2, source: ClientIpSource): ClientNetworks {
  return networksOf(clientAddress(event, source));
}

/** The networks of an address given as text; unparsable text gives the `unknown` key. */
export function networksOfAddress(text: string): ClientNetworks {
  return networksOf(parseAddress(text));
}

/**
 * `text` as a normalised address: IPv4 in dotted decimal, IPv4-mapped IPv6 as IPv4, other IPv6
 * in RFC 5952 form (lower case, no leading zeros, the longest run of two or more zero groups as
 * `::`), without a zone (`%eth0`). Undefined when it is not an address.
 */
export function canonicalAddress(text: string): string | undefined {
  return parseAddress(text)?.text;
}

/**
 * The network of `prefix` bits (0 to 128) that the IPv6 address `text` is in, as `address/prefix`
 * in canonical form: `ipv6Network('2001:db8:1:2::1', 48)` is `2001:db8:1::/48`. Undefined when
 * `text` is not an IPv6 address or `prefix` is out of range.
 */
export function ipv6Network(text: string, prefix: number): string | undefined {
  const groups = ipv6Groups(withoutZone(text.trim()));
  if (!groups || !Number.isInteger(prefix) || prefix < 0 || prefix > 128) return undefined;
  return `${ipv6Text(masked(groups, prefix))}/${prefix}`;
}

// ---------------------------------------------------------------------------------------------
// Which address

type Address =
  | { readonly family: 4; readonly text: string }
  | { readonly family: 6; readonly text: string; readonly groups: readonly number[] };

function clientAddress(event: APIGatewayProxyEventV2, source: ClientIpSource): Address | undefined {
  const peer = parseAddress(event.requestContext.http.sourceIp);
  switch (source.kind) {
    case 'direct':
      return peer;
    case 'proxy':
      return forwardedClient(peer, headerOf(event, FORWARDED_FOR_HEADER), trustedList(source.trusted));
    case 'cloudfront': {
      const proof = headerOf(event, ORIGIN_VERIFY_HEADER);
      // Without the secret the request did not come through CloudFront: its headers are anyone's.
      if (proof === undefined || !source.originSecrets.matches(proof)) return peer;
      return parseAddress(withoutPort(headerOf(event, VIEWER_ADDRESS_HEADER) ?? '', true));
    }
    default:
      throw new Error(`Unknown client IP source ${JSON.stringify(source satisfies never)}`);
  }
}

/**
 * Behind trusted proxies: each appends the address it received the request from to
 * X-Forwarded-For, so from the right, every entry up to the first untrusted one was written by a
 * proxy of ours, and that untrusted one is the client. Entries further left are the client's to
 * invent. A peer that is not a trusted proxy bypassed them: its own address is the client's.
 */
function forwardedClient(
  peer: Address | undefined,
  forwardedFor: string | undefined,
  trusted: BlockList,
): Address | undefined {
  const hops = (forwardedFor ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  let client = peer;
  for (let index = hops.length - 1; client && isTrusted(trusted, client) && index >= 0; index -= 1) {
    client = parseAddress(withoutPort(hops[index] ?? '', false));
  }
  return client;
}

function isTrusted(trusted: BlockList, address: Address): boolean {
  return trusted.check(address.text, address.family === 4 ? 'ipv4' : 'ipv6');
}

const TRUSTED_LISTS = new WeakMap<readonly string[], BlockList>();

/** The CIDRs as a BlockList, built once per configuration. */
function trustedList(cidrs: readonly string[]): BlockList {
  let list = TRUSTED_LISTS.get(cidrs);
  if (!list) {
    list = new BlockList();
    for (const cidr of cidrs) {
      const [address = '', bits = ''] = cidr.split('/');
      const family = isIP(address);
      if (family === 0) continue;
      const prefix = bits === '' ? (family === 4 ? 32 : 128) : Number(bits);
      list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
    TRUSTED_LISTS.set(cidrs, list);
  }
  return list;
}

/** A header's value; API Gateway lower-cases names, but an event built by hand may not. */
export function headerOf(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const exact = headers[name];
  if (exact !== undefined) return exact;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * The address of `host:port`, `[ipv6]:port`, `[ipv6]` or a bare address. An unbracketed IPv6
 * address is ambiguous: CloudFront's viewer address always ends in a port (`portAlways`), so its
 * last group is dropped when what is left is still an address; in X-Forwarded-For it is taken whole.
 */
function withoutPort(text: string, portAlways: boolean): string {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(trimmed);
  if (bracketed) return bracketed[1] ?? '';
  const colons = trimmed.split(':').length - 1;
  const port = /^(.*):\d{1,5}$/.exec(trimmed);
  if (colons === 1) return port?.[1] ?? trimmed;
  if (portAlways && port?.[1] && isIP(withoutZone(port[1])) === 6) return port[1];
  return trimmed;
}

// ---------------------------------------------------------------------------------------------
// Addresses and networks

function networksOf(address: Address | undefined): ClientNetworks {
  if (!address) return { ip: UNKNOWN_CLIENT, keys: [{ scope: 'ip', value: UNKNOWN_CLIENT }] };
  if (address.family === 4)
    return { ip: address.text, keys: [{ scope: 'ip', value: `ip4:${address.text}` }] };
  const network = (prefix: number) => `ip6:${ipv6Text(masked(address.groups, prefix))}/${prefix}`;
  return {
    ip: address.text,
    keys: [
      { scope: 'ip', value: network(64) },
      { scope: 'ip48', value: network(48) },
    ],
  };
}

function parseAddress(raw: string): Address | undefined {
  const text = withoutZone(raw.trim());
  const family = isIP(text);
  if (family === 4) return { family: 4, text };
  const groups = family === 6 ? ipv6Groups(text) : undefined;
  if (!groups) return undefined;
  if (isIpv4Mapped(groups)) {
    const [high = 0, low = 0] = groups.slice(6);
    return { family: 4, text: [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.') };
  }
  return { family: 6, text: ipv6Text(groups), groups };
}

/** `fe80::1%eth0` → `fe80::1`: a zone names an interface of the host, not part of the address. */
function withoutZone(text: string): string {
  const zone = text.indexOf('%');
  return zone >= 0 && text.includes(':') ? text.slice(0, zone) : text;
}

/** `::ffff:a.b.c.d`: an IPv4 client seen through a dual-stack socket. */
function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function ipv6Groups(text: string): number[] | undefined {
  if (isIP(text) !== 6) return undefined;
  const [head = '', tail] = text.split('::');
  const front = hexGroups(head);
  if (tail === undefined) return front;
  const back = hexGroups(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** `2001:db8` → [0x2001, 0xdb8]; a trailing dotted quad is two groups. */
function hexGroups(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((piece) => {
    if (!piece.includes('.')) return [Number.parseInt(piece, 16)];
    const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
    return [(a << 8) | b, (c << 8) | d];
  });
}

/** The groups with every bit after the first `prefix` cleared. */
function masked(groups: readonly number[], prefix: number): number[] {
  return groups.map((group, index) => {
    const kept = Math.min(16, Math.max(0, prefix - 16 * index));
    return group & ((0xffff << (16 - kept)) & 0xffff);
  });
}

/** RFC 5952 text: lower-case hex without leading zeros, the longest (first) run of 2+ zero groups as `::`. */
function ipv6Text(groups: readonly number[]): string {
  let runStart = -1;
  let runLength = 1;
  for (let start = 0; start < groups.length; ) {
    let end = start;
    while (end < groups.length && groups[end] === 0) end += 1;
    if (end - start > runLength) [runStart, runLength] = [start, end - start];
    start = end === start ? start + 1 : end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (runStart < 0) return hex.join(':');
  return `${hex.slice(0, runStart).join(':')}::${hex.slice(runStart + runLength).join(':')}`;
}
