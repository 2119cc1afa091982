import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, ROOT, tripline } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
beforeAll(assertBuilt);

const AT = '2025-11-12T09:00:36Z';
const DATASETS = ['examples/wazuh1/events.ndjson', 'examples/attack-webserver/events.ndjson'];
const FORMATS = ['markdown', 'sarif', 'json'] as const;

describe('tripline render', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-render-'));

  describe.each(DATASETS)('%s', (dataset) => {
    let saved: string;
    beforeAll(async () => {
      saved = join(dir, `${dataset.split('/')[1]}.json`);
      const r = await tripline(['analyze', '--format', 'json', '--generated-at', AT, '--output', saved, '-q', dataset]);
      expect(r.code).toBe(0);
    });

    it.each(FORMATS)('--format %s gives the bytes analyze gives', async (format) => {
      const direct = await tripline(['analyze', '--format', format, '--generated-at', AT, dataset]);
      expect(direct.code).toBe(0);
      const rendered = await tripline(['render', saved, '--format', format]);
      expect(rendered.stderr).toBe('');
      expect(rendered.code).toBe(0);
      expect(rendered.stdout.length).toBeGreaterThan(1000);
      expect(rendered.stdout === direct.stdout).toBe(true);
    });
  });

  it('writes --output and reads stdin (-)', async () => {
    const saved = join(dir, 'wazuh1.json');
    const out = join(dir, 'again.sarif');
    const r = await tripline(['render', '-', '--format', 'sarif', '--output', out], {
      stdin: readFileSync(saved, 'utf8'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('sarif report written to');
    const direct = await tripline(['render', saved, '--format', 'sarif']);
    expect(readFileSync(out, 'utf8')).toBe(direct.stdout);
  });

  it('refuses to replace the report it renders', async () => {
    const saved = join(dir, 'wazuh1.json');
    const r = await tripline(['render', saved, '--format', 'json', '--output', saved]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to write the report/);
  });

  it('refuses a schema 1.0 report, saying to re-run analyze (exit 2)', async () => {
    const old = join(dir, 'old.json');
    const report = JSON.parse(readFileSync(join(dir, 'wazuh1.json'), 'utf8'));
    writeFileSync(old, JSON.stringify({ ...report, schemaVersion: '1.0' }));
    const r = await tripline(['render', old]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^tripline: .*old\.json: the report has version 1\.0; .*re-run tripline analyze --format json/,
    );
  });

  it("renders a schema 1.1 report (written before findings existed) to the bytes of today's", async () => {
    const saved = join(dir, 'wazuh1.json');
    const { findings: _, ...report } = JSON.parse(readFileSync(saved, 'utf8'));
    const old = join(dir, 'v11.json');
    writeFileSync(old, `${JSON.stringify({ ...report, schemaVersion: '1.1' }, null, 2)}\n`);
    for (const format of FORMATS) {
      const fromOld = await tripline(['render', old, '--format', format]);
      expect(fromOld.stderr).toBe('');
      expect(fromOld.code).toBe(0);
      const fromNew = await tripline(['render', saved, '--format', format]);
      expect(fromOld.stdout === fromNew.stdout).toBe(true);
    }
  });

  it('names the field at fault in an invalid report (exit 2)', async () => {
    const bad = join(dir, 'bad.json');
    const report = JSON.parse(readFileSync(join(dir, 'wazuh1.json'), 'utf8'));
    delete report.alerts[2].key;
    writeFileSync(bad, JSON.stringify(report));
    const r = await tripline(['render', bad, '--format', 'sarif']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/alerts\[2\]\.key/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says so for a file that is not JSON, and for a missing file (exit 2)', async () => {
    const r1 = await tripline(['render', join(ROOT, 'examples/wazuh1/events.ndjson')]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/is not JSON .*tripline analyze --format json/);
    const r2 = await tripline(['render', join(dir, 'missing.json')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/cannot read .*missing\.json: /);
  });
});
