import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { classifyAddress as classifyIp } from '../../internal/address.js';
import { detector } from './detector.js';

describe('defender/public-remote-logon', () => {
  const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));

  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('classifies IPv4 ranges', () => {
    for (const ip of [
      '8.8.8.8',
      '1.1.1.1',
      '100.63.255.255',
      '100.128.0.1',
      '172.15.0.1',
      '172.32.0.1',
      '198.51.101.1',
      '203.0.114.1',
      '11.0.0.1',
    ]) {
      expect(classifyIp(ip), ip).toBe('public');
    }
    for (const ip of [
      '10.1.2.3',
      '127.0.0.1',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '100.127.255.255',
      '192.0.2.5',
      '198.51.100.7',
      '203.0.113.9',
      '198.18.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.0.8',
    ]) {
      expect(classifyIp(ip), ip).toBe('special');
    }
    for (const ip of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', 'a.b.c.d', '1.2.3.4/24', 'x'.repeat(100)]) {
      expect(classifyIp(ip), ip).not.toBe('public');
    }
  });

  it('classifies IPv6 ranges, mapped and NAT64 addresses', () => {
    for (const ip of [
      '2a02:8108:1c0:5e00::1d',
      '2001:4860:4860::8888',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2606:4700::1111',
    ]) {
      expect(classifyIp(ip), ip).toBe('public');
    }
    for (const ip of [
      '::1',
      '::',
      'fe80::1%eth0',
      'fd12:3456:789a::5',
      'fc00::1',
      'ff02::1',
      '2001:db8::1',
      '3fff::1',
      '::ffff:10.0.0.1',
      '::ffff:192.168.0.1',
      '64:ff9b::a00:1',
      '2001:2::1',
      '[fe80::1]',
    ]) {
      expect(classifyIp(ip), ip).toBe('special');
    }
    for (const ip of ['1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', ':::'])
      expect(classifyIp(ip), ip).toBe('invalid');
  });

  it('maps local accounts to T1078.003 and keys by address and account', async () => {
    const result = await runFixture(detector, fixtures.fires.find((f) => f.name === 'fires.root-from-public.json')!);
    const alert = result.alerts[0]!;
    expect(alert.key).toBe('198.51.100.77 root');
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1133', 'T1078', 'T1078.003']);
  });
});
