import { classifyAddress, isAddressAllowed } from './webhook-address-policy';

describe('outbound webhook address policy (SSRF)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.3.4', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['0.0.0.0', 'reserved'],
    ['::', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['ff02::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['[2606:4700:4700::1111]', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:c0a8:0101::1', 'private'],
    ['2002:0808:0808::1', 'public'],
  ])('judges the IPv4 address inside %s: %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('calls anything that is not an address reserved (never allowed)', () => {
    expect(classifyAddress('localhost')).toBe('reserved');
    expect(classifyAddress('1.2.3')).toBe('reserved');
    expect(classifyAddress('')).toBe('reserved');
  });

  it('allows public addresses, and the other kinds only when configured; reserved never', () => {
    const none = new Set<never>();
    expect(isAddressAllowed('8.8.8.8', none)).toBe(true);
    expect(isAddressAllowed('127.0.0.1', none)).toBe(false);
    expect(isAddressAllowed('::ffff:127.0.0.1', none)).toBe(false);
    expect(isAddressAllowed('127.0.0.1', new Set(['loopback'] as const))).toBe(true);
    expect(isAddressAllowed('10.0.0.1', new Set(['loopback'] as const))).toBe(false);
    expect(isAddressAllowed('169.254.169.254', new Set(['private', 'loopback'] as const))).toBe(false);
    expect(isAddressAllowed('0.0.0.0', new Set(['loopback', 'private', 'link-local'] as const))).toBe(false);
  });
});
