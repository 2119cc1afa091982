/**
 * A fleet finding — the same detector, key and severity on two or more devices — is one SARIF result
 * with the devices as locations, so a dense fleet fits GitHub's limits without leaving alerts out.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GITHUB_LIMITS, renderSarif, type SarifLog, sarifResultCount, stringifySarif, toSarif } from '../src/index.js';
import { planSarif } from '../src/internal/plan.js';
import { context } from '../src/internal/units.js';
import { fleet, fleetDevice, HOSTILE, hostile, manyDevices, result } from './fixtures.js';
import { schemaErrors } from './validate.js';
import { run } from './view.js';

interface FleetProps {
  finding?: true;
  findingId?: string;
  alertId?: string;
  alertIds?: string[];
  devices?: number;
  devicesListed?: number;
  devicesNotListed?: number;
  alertCount?: number;
  eventCount?: number;
  firstSeen?: string;
  lastSeen?: string;
}
const props = (r: { properties?: unknown }) => (r.properties as { tripline: FleetProps }).tripline;

/** Every alert id the log accounts for: single results' alert ids and fleet results' alertIds. */
function alertIdsIn(log: SarifLog): string[] {
  return run(log).results.flatMap((r) => {
    const p = props(r);
    return p.alertIds ?? (p.alertId !== undefined ? [p.alertId] : []);
  });
}

describe('fleet findings in SARIF', () => {
  const input = fleet(30);
  const log = toSarif(input);
  const results = run(log).results;
  const exec = results.find((r) => r.ruleId === 'defender/exec-process-replacement')!;

  it('writes one result per finding on two or more devices, and single-device alerts as before', () => {
    expect(input.alerts).toHaveLength(61);
    expect(results.map((r) => [r.ruleId, props(r).finding ?? false])).toEqual([
      ['defender/anomalous-logged-on-user', false],
      ['defender/exec-process-replacement', true],
      ['defender/unassigned-machine-group', true],
    ]);
    const single = results[0]!;
    expect(single.message.text).toContain(`Device ${fleetDevice(0).name},`);
    expect(single.relatedLocations).toHaveLength(1);
  });

  it('names the finding, its device count, alerts, events and time span in the message', () => {
    expect(exec.message.text).toBe(
      'Shell replaced by the command it ran (exec) on 30 devices. Severity medium, 30 alerts, 30 events from 2025-11-07T06:10:00.1234567Z to 2025-11-07T06:39:29.1234567Z. Devices: web-0000.contoso.internal, web-0001.contoso.internal, web-0002.contoso.internal, web-0003.contoso.internal, web-0004.contoso.internal, web-0005.contoso.internal, web-0006.contoso.internal, web-0007.contoso.internal, web-0008.contoso.internal, web-0009.contoso.internal and 20 more.',
    );
    expect(exec.level).toBe('warning');
    expect(exec.provenance).toEqual({
      firstDetectionTimeUtc: '2025-11-07T06:10:00.1234567Z',
      lastDetectionTimeUtc: '2025-11-07T06:39:29.1234567Z',
    });
  });

  it("has one location per device, on that device's evidence timeline, with the device as logical location", () => {
    expect(exec.locations).toHaveLength(30);
    const artifacts = run(log).artifacts;
    exec.locations.forEach((loc, i) => {
      const device = fleetDevice(Number(/web-(\d+)/.exec(loc.message.text)![1]));
      expect(loc.id).toBe(i);
      const at = loc.physicalLocation.artifactLocation;
      expect(artifacts[at.index]!.location.uri).toBe(at.uri);
      expect(at.uri).toMatch(new RegExp(`^tripline/devices/${device.name.replace(/\./g, '\\.')}/alerts/`));
      expect(artifacts[at.index]!.contents.text).toContain(`# device ${device.name} (id ${device.id})`);
      expect(loc.logicalLocations.map((l) => l.fullyQualifiedName)).toContain(device.name);
      expect(loc.message.text).toMatch(/^Device web-\d{4}\.contoso\.internal\. Key event: /);
    });
    // GitHub reads the first location: it carries the snippet and its context, the others only the region.
    expect(exec.locations[0]!.physicalLocation.region.snippet).toBeDefined();
    expect(exec.locations[1]!.physicalLocation.region).not.toHaveProperty('snippet');
    expect(new Set(run(log).artifacts.map((a) => a.location.uri)).size).toBe(61);
  });

  it('accounts for every alert: ids in the properties, counts in the run properties', () => {
    expect(props(exec)).toMatchObject({ devices: 30, devicesListed: 30, devicesNotListed: 0, alertCount: 30 });
    expect(alertIdsIn(log).sort()).toEqual(input.alerts.map((a) => a.id).sort());
    expect(run(log).properties.tripline).toMatchObject({
      alertsInLog: 61,
      alertsLeftOut: 0,
      alertsTotal: 61,
      fleetFindings: 2,
    });
    expect(sarifResultCount(log)).toEqual({ kept: 61, total: 61 });
  });

  it("is the record's fleet finding: same id, same alerts", () => {
    for (const r of results.filter((x) => props(x).finding)) {
      const finding = input.findings.find((f) => f.id === props(r).findingId)!;
      expect(finding).toBeDefined();
      expect([finding.detectorId, finding.devices]).toEqual([r.ruleId, props(r).devices]);
      expect(props(r).alertIds).toEqual([...finding.alerts]);
    }
  });

  it('fingerprints a finding by its identity alone, so the next run with more devices updates the same alert', () => {
    const fp = (l: SarifLog) =>
      run(l)
        .results.filter((r) => props(r).finding)
        .map((r) => r.partialFingerprints);
    const bigger = fp(toSarif(fleet(45)));
    expect(bigger).toEqual(fp(log));
    expect(bigger[0]!.primaryLocationLineHash).toMatch(/^[0-9a-f]{16}:1$/);
    expect(bigger[0]!['triplineFinding/v1']).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(bigger.map((f) => f.primaryLocationLineHash)).size).toBe(2);
  });

  it('caps the locations at maxLocationsPerResult and counts the devices left unlisted', () => {
    const capped = toSarif(input, { limits: { maxLocationsPerResult: 7 } });
    const r = run(capped).results.find((x) => x.ruleId === 'defender/exec-process-replacement')!;
    expect(r.locations).toHaveLength(7);
    expect(props(r)).toMatchObject({ devices: 30, devicesListed: 7, devicesNotListed: 23, alertCount: 30 });
    expect(props(r).alertIds).toHaveLength(30);
    expect(r.message.text).toContain(
      '23 of the devices are not listed as locations (limit of 7 locations per result); their alert ids are in the result',
    );
    expect(run(capped).artifacts).toHaveLength(7 + 7 + 1);
    expect(alertIdsIn(capped).sort()).toEqual(input.alerts.map((a) => a.id).sort());
    expect(schemaErrors(capped)).toEqual([]);
    expect(GITHUB_LIMITS.maxLocationsPerResult).toBe(100);
    // More than GitHub accepts (1,000 locations per result) counts as 1,000.
    const many = toSarif(fleet(1_005), { limits: { maxLocationsPerResult: 5_000 } });
    expect(run(many).results.map((x) => x.locations.length)).toEqual([1, 1_000, 1_000]);
  });

  it('is valid SARIF 2.1.0', () => {
    expect(schemaErrors(log)).toEqual([]);
  });
});

describe('a dense fleet of 500 servers', () => {
  const input = fleet(500);
  const text = renderSarif(input);
  const log = JSON.parse(text) as SarifLog;

  it('fits GitHub limits with every alert in it, as three results', () => {
    expect(run(log).results).toHaveLength(3);
    expect(run(log).results.map((r) => [r.locations.length, props(r).devices, props(r).devicesNotListed])).toEqual([
      [1, undefined, undefined],
      [100, 500, 400],
      [100, 500, 400],
    ]);
    expect(run(log).invocations[0]!.toolExecutionNotifications).toBeUndefined();
    expect(sarifResultCount(log)).toEqual({ kept: 1001, total: 1001 });
    expect(alertIdsIn(log)).toHaveLength(1001);
    expect(gzipSync(text).length).toBeLessThanOrEqual(GITHUB_LIMITS.maxGzipBytes);
    for (const r of run(log).results) expect(r.locations.length).toBeLessThanOrEqual(1_000);
  });

  it('leaves whole findings out, announced, only when even the rollup does not fit', () => {
    const limit = Math.floor(gzipSync(text).length * 0.6);
    const cut = toSarif(input, { limits: { maxGzipBytes: limit } });
    expect(gzipSync(stringifySarif(cut)).length).toBeLessThanOrEqual(limit);
    const count = sarifResultCount(cut);
    expect(count.total).toBe(1001);
    expect(count.kept).toBeLessThan(1001);
    expect(count.reason).toBe(`limit of ${limit} bytes of gzip-compressed SARIF`);
    const note = run(cut).invocations[0]!.toolExecutionNotifications![0]!;
    expect(note.descriptor.id).toBe('tripline/results-cut');
    expect(note.properties).toMatchObject({ total: 1001, kept: count.kept, dropped: 1001 - count.kept });
  });
});

describe('sizing in one pass', () => {
  const input = manyDevices(200);
  const full = gzipSync(renderSarif(input)).length;

  it.each([0.25, 0.5, 0.8])('keeps the log under a limit of %s of its size, with small blocks as with large', (f) => {
    const limit = Math.floor(full * f);
    const options = { limits: { maxGzipBytes: limit } };
    const exact = planSarif(context(input, options));
    const blocks = planSarif(context(input, options), 8_192);
    const text = renderSarif(input, options);
    expect(gzipSync(text).length).toBeLessThanOrEqual(limit);
    expect(JSON.parse(text).runs[0].results).toHaveLength(exact.kept);
    // Block-wise measuring (here blocks of 8 KiB, 1 MiB by default) keeps nearly as many, never more.
    expect(blocks.kept).toBeLessThanOrEqual(exact.kept + 1);
    expect(blocks.kept).toBeGreaterThanOrEqual(Math.floor(exact.kept * 0.85));
    // Nearly the largest prefix that fits: the estimate's margin (2 % and 1 KiB) is all that is lost.
    expect(gzipSync(text).length).toBeGreaterThan(limit * 0.95 - 1_024);
  });
});

describe('a fleet finding on devices with hostile names', () => {
  const h = hostile();
  const a = h.alerts[0]!;
  const b = { ...a, id: `${a.id}:2`, device: { id: 'b'.repeat(40), name: `web2 ${HOSTILE.slice(0, 400)}` } };
  const log = toSarif(result([a, b], { detectors: h.detectors }));
  const r = run(log).results[0]!;
  const texts = [r.message.text, ...r.locations.map((l) => l.message.text)];

  it('is one fleet result', () => {
    expect(run(log).results).toHaveLength(1);
    expect(props(r)).toMatchObject({ finding: true, devices: 2 });
  });

  it('keeps controls, bidi and invisible characters out, and forges no link', () => {
    for (const t of texts) {
      expect(t).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}]/u);
      // An unescaped `[text](target)` would be an embedded link; fleet messages have none.
      expect(t).not.toMatch(/(?<!\\)(?:\\\\)*\[[^\]]*(?<!\\)\]\(/);
      expect(t).not.toMatch(/https?:\/\//);
    }
    expect(schemaErrors(log)).toEqual([]);
  });
});
