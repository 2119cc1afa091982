import { describe, expect, it } from 'vitest';
import type { SigmaLogsource } from '../ir.js';
import { MDE_MAPPING_VERSION, mdeMapping, mdeMappingTable } from './index.js';

const mapping = mdeMapping();

function routeOf(logsource: SigmaLogsource) {
  const r = mapping.route(logsource);
  if (!r.ok) throw new Error(r.reason.message);
  return r.route;
}

function refusal(logsource: SigmaLogsource): string {
  const r = mapping.route(logsource);
  if (r.ok) throw new Error(`routed: ${JSON.stringify(r.route)}`);
  expect(r.reason.code).toBe('logsource-unroutable');
  return r.reason.message;
}

describe('routes', () => {
  it.each([
    ['windows', 'process_creation', 'DeviceProcessEvents', ['ProcessCreated']],
    ['linux', 'process_creation', 'DeviceProcessEvents', ['ProcessCreated']],
    ['windows', 'file_event', 'DeviceFileEvents', ['FileCreated', 'FileModified']],
    ['linux', 'file_event', 'DeviceFileEvents', ['FileCreated', 'FileModified']],
    ['windows', 'file_delete', 'DeviceFileEvents', ['FileDeleted']],
    ['windows', 'file_rename', 'DeviceFileEvents', ['FileRenamed']],
    ['windows', 'file_change', 'DeviceFileEvents', ['FileModified']],
    ['windows', 'file_executable_detected', 'DeviceFileEvents', ['FileCreated', 'FileModified']],
    ['windows', 'registry_set', 'DeviceRegistryEvents', ['RegistryValueSet']],
    ['windows', 'registry_add', 'DeviceRegistryEvents', ['RegistryKeyCreated']],
    ['windows', 'registry_delete', 'DeviceRegistryEvents', ['RegistryKeyDeleted', 'RegistryValueDeleted']],
    [
      'windows',
      'registry_event',
      'DeviceRegistryEvents',
      ['RegistryKeyCreated', 'RegistryKeyDeleted', 'RegistryValueSet', 'RegistryValueDeleted', 'RegistryKeyRenamed'],
    ],
  ] as const)('%s %s → %s %j', (product, category, table, actionTypes) => {
    const route = routeOf({ product, category });
    expect(route.table).toBe(table);
    expect(route.actionTypes).toEqual(actionTypes);
    expect(route.platform).toBe(product);
  });

  it('network_connection takes both directions and found connections, not listening sockets or inspections', () => {
    for (const product of ['windows', 'linux'] as const) {
      const route = routeOf({ product, category: 'network_connection' });
      expect(route.table).toBe('DeviceNetworkEvents');
      expect(route.actionTypes).toEqual(
        expect.arrayContaining([
          'ConnectionSuccess',
          'ConnectionFailed',
          'InboundConnectionAccepted',
          'ConnectionFound',
        ]),
      );
      expect(route.actionTypes).not.toContain('ListeningConnectionCreated');
      expect(route.actionTypes).not.toContain('HttpConnectionInspected');
    }
  });

  it('a logsource without product runs on every platform; a service beside a category keeps the route', () => {
    expect(routeOf({ category: 'process_creation' })).toMatchObject({
      table: 'DeviceProcessEvents',
      platform: undefined,
    });
    expect(routeOf({ product: 'windows', category: 'process_creation', service: 'security' }).table).toBe(
      'DeviceProcessEvents',
    );
  });

  it('gives the same route object for the same logsource (the evaluator may group by it)', () => {
    expect(routeOf({ product: 'windows', category: 'registry_set' })).toBe(
      routeOf({ product: 'windows', category: 'registry_set' }),
    );
  });
});

describe('logsources without a route say why', () => {
  it.each([
    [{ product: 'linux', service: 'auditd' }, /auditd records .* not in MDE/],
    [{ product: 'linux', service: 'syslog' }, /syslog/],
    [{ product: 'linux', service: 'sshd' }, /sshd/],
    [{ product: 'linux', service: 'cron' }, /cron/],
    [{ product: 'linux', service: 'vsftpd' }, /vsftpd/],
    [{ product: 'linux' }, /without a category searches log files/],
    [{ product: 'windows', category: 'file_access' }, /does not record plain file reads/],
    [{ product: 'windows', category: 'image_load' }, /not mapped in this version/],
    [{ product: 'windows', category: 'ps_script' }, /PowerShell/],
    [{ product: 'windows', service: 'security' }, /event log records \(channel security\)/],
    [{ product: 'linux', category: 'registry_set' }, /Linux has no registry/],
    [{ product: 'macos', category: 'process_creation' }, /Windows and Linux devices only/],
    [{ product: 'windows', category: 'no_such_category' }, /no table for this category/],
  ] as const)('%j', (logsource, message) => {
    const text = refusal(logsource);
    expect(text).toMatch(message);
    // The sentence names the logsource it is about.
    for (const v of Object.values(logsource)) expect(text).toContain(v);
  });
});

describe('field refusals and keyword views', () => {
  const proc = routeOf({ product: 'windows', category: 'process_creation' });
  const net = routeOf({ product: 'windows', category: 'network_connection' });
  const file = routeOf({ product: 'windows', category: 'file_event' });

  it('refuses fields MDE has no column for, with the reason', () => {
    const cd = mapping.field(proc, 'CurrentDirectory');
    expect(cd).toEqual({
      ok: false,
      reason: {
        code: 'field-unmapped',
        message: 'CurrentDirectory: MDE records no working directory for Windows processes',
      },
    });
    const pcl = mapping.field(file, 'ParentCommandLine');
    expect(pcl.ok).toBe(false);
    if (!pcl.ok) expect(pcl.reason.message).toMatch(/no parent command line/);
    const provider = mapping.field(proc, 'Provider_Name');
    if (provider.ok) throw new Error('Provider_Name mapped');
    expect(provider.reason.message).toMatch(/ETW provider/);
  });

  it('refuses unknown fields by name', () => {
    const r = mapping.field(net, 'Imagee');
    if (r.ok) throw new Error('mapped');
    expect(r.reason).toEqual({
      code: 'field-unmapped',
      message: 'Imagee is not a field this mapping knows for DeviceNetworkEvents (Windows) rows',
    });
  });

  it('is case-sensitive in field names, as Sigma is', () => {
    expect(mapping.field(proc, 'commandline').ok).toBe(false);
    expect(mapping.field(proc, 'CommandLine').ok).toBe(true);
  });

  it('keyword views are the string fields of the table', () => {
    expect(mapping.keywordViews(proc).map((v) => v.field)).toEqual([
      'Image',
      'CommandLine',
      'OriginalFileName',
      'Description',
      'Product',
      'Company',
      'ParentImage',
      'ParentCommandLine',
      'User',
    ]);
    expect(mapping.keywordViews(net).map((v) => v.field)).toEqual([
      'Image',
      'CommandLine',
      'DestinationIp',
      'DestinationHostname',
    ]);
    expect(mapping.keywordViews({ table: 'DeviceInfo', platform: undefined })).toEqual([]);
  });
});

describe('version and options', () => {
  it('names the mapping and its version', () => {
    expect(mapping.name).toBe('mde');
    expect(mapping.version).toBe(MDE_MAPPING_VERSION);
    expect(MDE_MAPPING_VERSION).toMatch(/^mde-\d{4}\.\d+\.\d+$/);
  });

  it('parentImageFromBaseName: false refuses ParentImage where MDE has only the name, and changes the version', () => {
    const strict = mdeMapping({ parentImageFromBaseName: false });
    expect(strict.version).not.toBe(mapping.version);
    const net = routeOf({ product: 'windows', category: 'network_connection' });
    const r = strict.field(net, 'ParentImage');
    if (r.ok) throw new Error('mapped');
    expect(r.reason.message).toMatch(/parentImageFromBaseName: false/);
    // Process rows have the parent's path: unaffected.
    expect(strict.field(routeOf({ product: 'windows', category: 'process_creation' }), 'ParentImage').ok).toBe(true);
  });

  it('the table lists every field once per table and refuses none it maps', () => {
    for (const t of mdeMappingTable().tables) {
      const mapped = t.fields.map((f) => f.field);
      expect(new Set(mapped).size).toBe(mapped.length);
      for (const r of t.refused) expect(mapped).not.toContain(r.field);
    }
  });
});
