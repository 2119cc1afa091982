import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import { analyzeEvents } from './entry.js';

const DEVICE = '6164762d686f73742e636f6e746f736f2e746573';

/** Groups script events by `path:<FolderPath>`, as the Defender script detectors key their alerts. */
const byScriptPath = defineDetector({
  meta: {
    id: 'test/script-path',
    title: 'Scripts by path',
    summary: 'Groups script content events by the script path.',
    rationale: 'Exercises allowlist matching on long keys in tests.',
    severity: 'high',
    category: 'Testing',
    mitre: ['T1059.004'],
    tables: ['DeviceEvents'],
    actionTypes: ['ScriptContent'],
    messages: { default: { title: 'Script {path}', description: 'A script ran.', riskAssessment: 'Test.' } },
  },
  match: (e) => ({ key: `path:${e.str('FolderPath') ?? ''}` }),
  render: (g) => ({ values: { path: g.key }, keyComponents: {} }),
});

function scriptEvent(i: number, folderPath: string) {
  return makeEvent('DeviceEvents', {
    Timestamp: `2025-11-21T01:00:${String(i).padStart(2, '0')}Z`,
    DeviceId: DEVICE,
    DeviceName: 'adv-host',
    ActionType: 'ScriptContent',
    ReportId: 7000 + i,
    FolderPath: folderPath,
    FileName: `run${i}`,
    InitiatingProcessFileName: 'sh',
  });
}

describe('allowlist patterns', () => {
  // 20 KB keys: a backtracking matcher is cubic on them and would run past the test timeout; the
  // linear matcher answers at once, so no wall-clock figure is asserted.
  it('match 20 KB attacker-written keys in linear time (no backtracking)', async () => {
    const events = Array.from({ length: 20 }, (_, i) => scriptEvent(i, `${'/tmp/'.repeat(4000)}s${i}`));
    const result = await analyzeEvents(events, {
      detectors: [byScriptPath],
      config: { allowlist: [{ key: 'path:*/tmp/*/*.sh', reason: 'build scripts in temp folders' }] },
    });
    expect(result.alerts).toHaveLength(20);
  }, 60_000);

  it('still suppresses what the pattern names, ignoring case', async () => {
    const result = await analyzeEvents([scriptEvent(1, '/TMP/build/x/make.SH'), scriptEvent(2, '/opt/run.sh')], {
      detectors: [byScriptPath],
      config: { allowlist: [{ key: 'path:*/tmp/*/*.sh', reason: 'build scripts in temp folders' }] },
    });
    expect(result.alerts.map((a) => a.key)).toEqual(['path:/opt/run.sh']);
    expect(result.diagnostics.find((d) => d.code === 'alerts-allowlisted')?.message).toContain('1 alert(s)');
  });
});
