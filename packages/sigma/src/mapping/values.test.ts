import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  domainUser,
  hexLogonId,
  imphashReason,
  isIpv6,
  joinPath,
  memoSysmonHashes,
  plainIp,
  registryValuePath,
  sysmonHashes,
  sysmonProtocol,
  sysmonRegistryDetails,
  sysmonRegistryKey,
  urlHost,
} from './values.js';

describe('sysmonRegistryKey', () => {
  it('abbreviates the hives MDE spells out', () => {
    expect(sysmonRegistryKey('HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run')).toBe(
      'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
    );
    expect(
      sysmonRegistryKey(
        'HKEY_CURRENT_USER\\S-1-5-21-1004336348-1177238915-682003330-1106\\Software\\Classes\\ms-settings',
      ),
    ).toBe('HKU\\S-1-5-21-1004336348-1177238915-682003330-1106\\Software\\Classes\\ms-settings');
    expect(sysmonRegistryKey('HKEY_USERS\\.DEFAULT\\Control Panel')).toBe('HKU\\.DEFAULT\\Control Panel');
    expect(sysmonRegistryKey('HKEY_CLASSES_ROOT\\exefile\\shell\\open\\command')).toBe(
      'HKCR\\exefile\\shell\\open\\command',
    );
    expect(sysmonRegistryKey('\\REGISTRY\\MACHINE\\SOFTWARE\\Policies')).toBe('HKLM\\SOFTWARE\\Policies');
    expect(sysmonRegistryKey('hkey_local_machine\\software')).toBe('HKLM\\software');
    expect(sysmonRegistryKey('HKEY_LOCAL_MACHINE\\System\\ControlSet001\\Services')).toBe(
      'HKLM\\System\\CurrentControlSet\\Services',
    );
  });

  it('names ControlSet001 CurrentControlSet, only right under HKLM\\SYSTEM', () => {
    expect(sysmonRegistryKey('HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\WinDefend')).toBe(
      'HKLM\\SYSTEM\\CurrentControlSet\\Services\\WinDefend',
    );
    expect(sysmonRegistryKey('HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001')).toBe('HKLM\\SYSTEM\\CurrentControlSet');
    expect(sysmonRegistryKey('HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services')).toBe(
      'HKLM\\SYSTEM\\ControlSet002\\Services',
    );
    expect(sysmonRegistryKey('HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet0011\\Services')).toBe(
      'HKLM\\SYSTEM\\ControlSet0011\\Services',
    );
    expect(sysmonRegistryKey('HKEY_LOCAL_MACHINE\\SOFTWARE\\ControlSet001')).toBe('HKLM\\SOFTWARE\\ControlSet001');
  });

  it('leaves keys already in Sysmon spelling and look-alike prefixes alone', () => {
    expect(sysmonRegistryKey('HKLM\\SOFTWARE\\Foo')).toBe('HKLM\\SOFTWARE\\Foo');
    expect(sysmonRegistryKey('HKEY_LOCAL_MACHINEX\\SOFTWARE')).toBe('HKEY_LOCAL_MACHINEX\\SOFTWARE');
  });
});

describe('registryValuePath', () => {
  it('appends the value name, (Default) for the unnamed value', () => {
    expect(registryValuePath('HKLM\\SOFTWARE\\Run', 'Updater')).toBe('HKLM\\SOFTWARE\\Run\\Updater');
    expect(registryValuePath('HKCR\\exefile\\shell\\open\\command', undefined)).toBe(
      'HKCR\\exefile\\shell\\open\\command\\(Default)',
    );
  });
});

describe('sysmonRegistryDetails', () => {
  it('writes DWORDs and QWORDs as Sysmon does, from decimal or hexadecimal', () => {
    expect(sysmonRegistryDetails('Dword', '1')).toBe('DWORD (0x00000001)');
    expect(sysmonRegistryDetails('Dword', '4294967295')).toBe('DWORD (0xffffffff)');
    expect(sysmonRegistryDetails('Dword', '0x00000002')).toBe('DWORD (0x00000002)');
    expect(sysmonRegistryDetails('Dword', '-1')).toBe('DWORD (0xffffffff)');
    expect(sysmonRegistryDetails('Qword', '4294967297')).toBe('QWORD (0x00000001-0x00000001)');
    expect(sysmonRegistryDetails('Qword', '0')).toBe('QWORD (0x00000000-0x00000000)');
  });

  it('writes Binary Data, (Empty), and strings as they are', () => {
    expect(sysmonRegistryDetails('Binary', 'A1B2C3')).toBe('Binary Data');
    expect(sysmonRegistryDetails('String', undefined)).toBe('(Empty)');
    expect(sysmonRegistryDetails(undefined, undefined)).toBe('(Empty)');
    expect(sysmonRegistryDetails('ExpandString', '%SystemRoot%\\x.dll')).toBe('%SystemRoot%\\x.dll');
    expect(sysmonRegistryDetails('Dword', undefined)).toBeUndefined();
    expect(sysmonRegistryDetails('Dword', 'not a number')).toBe('not a number');
  });
});

describe('paths, accounts, hashes, ids', () => {
  it('joinPath appends the file name only when the folder does not end with it', () => {
    expect(joinPath('c:\\windows\\system32\\cmd.exe', 'cmd.exe')).toBe('c:\\windows\\system32\\cmd.exe');
    expect(joinPath('C:\\Windows\\System32', 'cmd.exe')).toBe('C:\\Windows\\System32\\cmd.exe');
    expect(joinPath('C:\\Windows\\System32\\', 'cmd.exe')).toBe('C:\\Windows\\System32\\cmd.exe');
    expect(joinPath('/usr/bin', 'curl')).toBe('/usr/bin/curl');
    expect(joinPath('/usr/bin/curl', 'curl')).toBe('/usr/bin/curl');
    expect(joinPath('c:\\tools\\xcmd.exe', 'cmd.exe')).toBe('c:\\tools\\xcmd.exe\\cmd.exe');
    expect(joinPath(undefined, 'cmd.exe')).toBeUndefined();
    expect(joinPath('C:\\Windows', undefined)).toBe('C:\\Windows');
  });

  it('memoSysmonHashes gives what sysmonHashes gives, for values seen before, new or too long', () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    // A few files, so that values repeat, in and out of order; now and then a column far too long.
    const file = fc.tuple(maybe(hex(40)), maybe(hex(32)), maybe(fc.oneof(hex(64), fc.string({ minLength: 129 }))));
    fc.assert(
      fc.property(
        fc.array(file, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(5), { maxLength: 60 }),
        (files, order) => {
          const hashes = memoSysmonHashes();
          for (const n of order) {
            const [sha1, md5, sha256] = files[n % files.length]!;
            // Each row's columns are strings of their own, as parsed rows give.
            const copy = (v: string | undefined) => (v === undefined ? undefined : [...v].join(''));
            const got = hashes(copy(sha1), copy(md5), copy(sha256));
            expect(got).toBe(sysmonHashes(sha1, md5, sha256));
          }
        },
      ),
      { numRuns: 200 },
    );
    // Past its bound it starts again, and still answers right.
    const hashes = memoSysmonHashes();
    for (let i = 0; i < 3000; i++) {
      const sha256 = i.toString(16).padStart(64, '0');
      expect(hashes(undefined, undefined, sha256)).toBe(`SHA256=${sha256.toUpperCase()}`);
    }
    expect(hashes('ab12', undefined, '00ff')).toBe('SHA1=AB12,SHA256=00FF');
    // The same SHA256 with another SHA1: not the value remembered for the first.
    expect(hashes('cd34', undefined, '00ff')).toBe('SHA1=CD34,SHA256=00FF');
  });

  it('domainUser, sysmonHashes, imphashReason, hexLogonId', () => {
    expect(domainUser('CONTOSO', 'j.doe')).toBe('CONTOSO\\j.doe');
    expect(domainUser(undefined, 'j.doe')).toBe('j.doe');
    expect(domainUser('CONTOSO', undefined)).toBeUndefined();
    expect(sysmonHashes('ab12', 'cd34', 'ef56')).toBe('SHA1=AB12,MD5=CD34,SHA256=EF56');
    expect(sysmonHashes(undefined, 'cd34', undefined)).toBe('MD5=CD34');
    expect(sysmonHashes(undefined, undefined, undefined)).toBeUndefined();
    expect(imphashReason('IMPHASH=A1B2')).toMatch(/never match/);
    expect(imphashReason('imphash=a1b2')).toMatch(/never match/);
    expect(imphashReason('SHA256=A1B2')).toBeUndefined();
    expect(hexLogonId('999')).toBe('0x3e7');
    expect(hexLogonId('0')).toBe('0x0');
    expect(hexLogonId(undefined)).toBeUndefined();
  });

  it('network values', () => {
    expect(plainIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(plainIp('fe80::1')).toBe('fe80::1');
    expect(isIpv6('::ffff:10.1.2.3')).toBe('false');
    expect(isIpv6('2001:db8::5')).toBe('true');
    expect(isIpv6(undefined)).toBeUndefined();
    expect(urlHost('login.microsoftonline.com')).toBe('login.microsoftonline.com');
    expect(urlHost('https://user@raw.githubusercontent.com:443/x/y?z=1')).toBe('raw.githubusercontent.com');
    expect(urlHost('http://[2001:db8::5]:8080/a')).toBe('2001:db8::5');
    expect(sysmonProtocol('Tcp')).toBe('tcp');
    expect(sysmonProtocol('UdpV6')).toBe('udp');
  });
});

describe('joinPath without lower-casing', () => {
  /** The spelling before the fast path: both sides lower-cased first. */
  function reference(folder: string | undefined, name: string | undefined): string | undefined {
    if (folder === undefined) return undefined;
    if (name === undefined || name === '') return folder;
    const f = folder.toLowerCase();
    const n = name.toLowerCase();
    if (f === n) return folder;
    const slash = folder.includes('/') && !folder.includes('\\');
    const sep = slash ? '/' : '\\';
    if (f.endsWith(sep + n)) return folder;
    return folder.endsWith(sep) ? folder + name : folder + sep + name;
  }

  it('answers as the folded comparison does (case, final sigma, dotted I, both separators)', () => {
    const unit = fc.constantFrom('a', 'A', 'Σ', 'σ', 'ς', 'İ', 'i', '\\', '/', '.', ':', 'x');
    const text = fc.array(unit, { maxLength: 7 }).map((u) => u.join(''));
    fc.assert(
      fc.property(text, text, fc.boolean(), (a, b, joined) => {
        // Half the cases: a folder that ends with the name (the common MDE shape).
        const folder = joined ? `${a}\\${b}` : a;
        expect(joinPath(folder, b)).toBe(reference(folder, b));
        expect(joinPath(a, b)).toBe(reference(a, b));
      }),
      { numRuns: 5000 },
    );
  });
});
