/**
 * Which addresses an outbound webhook may connect to (SSRF: a subscription must not turn the
 * notifier into a way into the private network or a cloud's metadata service at
 * 169.254.169.254). The check runs on the addresses DNS returned, and the connection goes to
 * the checked address (webhook-sender.ts), so a name that resolves to a public address when
 * checked and a private one a moment later (DNS rebinding) gains nothing.
 *
 * IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:10.0.0.1`, IPv4-compatible
 * `::10.0.0.1`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Kinds an operator may allow (`NOTIFY_WEBHOOK_ALLOWED_NETWORKS`); `reserved` never is. */
export const ALLOWABLE_NETWORKS = ['loopback', 'private', 'link-local'] as const;
export type AllowableNetwork = (typeof ALLOWABLE_NETWORKS)[number];
export type AddressKind = 'public' | AllowableNetwork | 'reserved';

function blockList(v4: readonly string[], v6: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of v4) {
    const [network, prefix] = cidr.split('/') as [string, string];
    list.addSubnet(network, Number(prefix), 'ipv4');
  }
  for (const cidr of v6) {
    const [network, prefix] = cidr.split('/') as [string, string];
    list.addSubnet(network, Number(prefix), 'ipv6');
  }
  return list;
}

const KINDS: readonly [Exclude<AddressKind, 'public'>, BlockList][] = [
  ['loopback', blockList(['127.0.0.0/8'], ['::1/128'])],
  ['link-local', blockList(['169.254.0.0/16'], ['fe80::/10'])],
  [
    'private',
    // RFC 1918, shared address space (carrier-grade NAT), unique local and the old site-local IPv6.
    blockList(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], ['fc00::/7', 'fec0::/10']),
  ],
  [
    'reserved',
    // "This network", IETF protocol assignments, documentation, benchmarking, multicast,
    // reserved and broadcast; the unspecified address, IPv6 multicast, documentation, discard.
    blockList(
      [
        '0.0.0.0/8',
        '192.0.0.0/24',
        '192.0.2.0/24',
        '198.18.0.0/15',
        '198.51.100.0/24',
        '203.0.113.0/24',
        '224.0.0.0/4',
        '240.0.0.0/4',
      ],
      ['::/128', 'ff00::/8', '2001:db8::/32', '100::/64'],
    ),
  ],
];

/** The kind of a literal IPv4 or IPv6 address (a zone id `%eth0` is ignored). Not an address: `reserved`. */
export function classifyAddress(address: string): AddressKind {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(bare)) return classify(bare, 'ipv4');
  if (!isIPv6(bare)) return 'reserved';
  const embedded = embeddedIPv4(bare);
  if (embedded !== undefined) return classifyAddress(embedded);
  return classify(bare, 'ipv6');
}

function classify(address: string, family: 'ipv4' | 'ipv6'): AddressKind {
  for (const [kind, list] of KINDS) if (list.check(address, family)) return kind;
  return 'public';
}

export function isAddressAllowed(address: string, allowed: ReadonlySet<AllowableNetwork>): boolean {
  const kind = classifyAddress(address);
  return kind === 'public' || (kind !== 'reserved' && allowed.has(kind));
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIPv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (words === undefined) return undefined;
  const zeros = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; not ::1 and :: themselves).
  if (zeros(0, 5) && words[5] === 0xffff) return v4(words[6]!, words[7]!);
  if (zeros(0, 6) && (words[6] !== 0 || words[7]! > 1)) return v4(words[6]!, words[7]!);
  // NAT64 well-known prefix 64:ff9b::/96.
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6]!, words[7]!);
  // 6to4 2002:AABB:CCDD::/48.
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!);
  return undefined;
}

/** The eight 16-bit words of a valid IPv6 address (with `::` and a dotted IPv4 tail). */
function ipv6Words(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const bytes = (dotted[1] as string).split('.').map(Number);
    const tail = `${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
    text = text.slice(0, dotted.index) + tail;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((word) => parseInt(word, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return undefined;
  return [...left, ...Array<number>(missing).fill(0), ...right];
}
