/**
 * `tripline analyze --narrate` end to end: the built CLI against a scripted OpenAI-compatible server on
 * loopback (node:http, port 0) started here. Without --narrate nothing is sent; with it the three
 * reports carry the narrative; an endpoint that fails leaves the report complete without one; the API
 * key never reaches the output or stderr.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SCRIPTED_ANSWER } from '../../../examples/narrative/narrate.mjs';
import { assertBuilt, EXAMPLE, tempDir, tripline } from './helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const KEY = 'sk-test-9f3b2c71e4a8d605';
const ENV = { TRIPLINE_TEST_KEY: KEY, OPENAI_API_KEY: undefined };

// The example's scripted answer: every claim but one is a fact of the sheet of examples/wazuh1 (the
// golden run); the invented address must be dropped by the validator and shown by no report.
const INVENTED = 'The attacker connected from 203.0.113.77.';

type Mode = 'answer' | 'refuse' | 'hang';
interface Seen {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let mode: Mode = 'answer';
const seen: Seen[] = [];
let baseURL = '';
let origin = '';
const server = createServer((req, res: ServerResponse) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => {
    body += c;
  });
  req.on('end', () => {
    seen.push({ headers: req.headers, body });
    if (mode === 'hang') return; // never answers: the client's timeout ends it
    if (mode === 'refuse') {
      // An endpoint that echoes the key it refused: the CLI must not print it.
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}` } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1762502400,
        model: 'scripted-model-2025',
        choices: [
          { index: 0, message: { role: 'assistant', content: JSON.stringify(SCRIPTED_ANSWER) }, finish_reason: 'stop' },
        ],
      }),
    );
  });
});

beforeAll(async () => {
  assertBuilt();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  baseURL = `${origin}/v1`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

const FIXED = ['--generated-at', '2025-11-12T09:00:36Z', '--no-progress'];
const narrateArgs = () => [
  '--narrate',
  '--llm-url',
  baseURL,
  '--llm-model',
  'scripted-model',
  '--llm-key-env',
  'TRIPLINE_TEST_KEY',
];
const analyze = (args: readonly string[]) => tripline(['analyze', EXAMPLE, ...FIXED, ...args], { env: ENV });
const run = async (m: Mode, args: readonly string[]) => {
  mode = m;
  seen.length = 0;
  return analyze(args);
};

describe('tripline analyze --narrate', () => {
  it('without --narrate sends nothing, whatever --llm-* says, and the report is unchanged', async () => {
    const plain = await run('answer', ['--format', 'json']);
    const withFlags = await run('answer', ['--format', 'json', '--llm-url', baseURL, '--llm-model', 'm']);
    expect(seen).toHaveLength(0);
    expect(withFlags.code).toBe(0);
    expect(withFlags.stdout).toBe(plain.stdout);
    expect(JSON.parse(plain.stdout).narrative).toBeUndefined();
  });

  it('JSON: the narrative block with the kept sentences, the rejected one listed; the key sent, never printed', async () => {
    const r = await run('answer', ['--format', 'json', ...narrateArgs()]);
    expect(r.code).toBe(0);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    const report = JSON.parse(r.stdout);
    expect(report.schemaVersion).toBe('1.3');
    const n = report.narrative;
    expect(n.model).toBe('scripted-model-2025');
    expect(n.endpoint).toBe(origin);
    expect(n.generatedAt).toBe('2025-11-12T09:00:36.000Z');
    expect(n.summary.source).toBe('model');
    expect(n.summary.sentences[0].text).toBe('tripline analysed 53 events from 1 device and raised 15 alerts.');
    expect(n.alerts[0].alertId).toBe(report.alerts[0].id);
    expect(JSON.stringify(n.alerts)).not.toContain('203.0.113.77');
    expect(n.rejected.map((x: { text: string }) => x.text)).toContain(INVENTED);
    expect(n.stats.rejected).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toMatch(/tripline: narrative by scripted-model-2025: \d+ of \d+ sentences kept, \d+ rejected/);
    expect(r.stdout + r.stderr).not.toContain(KEY);
    // Only the narrative differs from the report of a run without --narrate.
    const plain = JSON.parse((await run('answer', ['--format', 'json'])).stdout);
    expect({ ...report, narrative: undefined }).toEqual({ ...plain, narrative: undefined });
  });

  it('Markdown and SARIF carry it (section and footer; properties), and tripline render keeps it', async () => {
    const md = await run('answer', ['--format', 'markdown', ...narrateArgs()]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('## 📝 Narrative (written by `scripted-model-2025`, checked against the evidence)');
    expect(md.stdout).toContain(
      '**Summary:** tripline analysed 53 events from 1 device and raised 15 alerts. \\[F2, F5, F8\\]',
    );
    expect(md.stdout).toContain(
      `*The narrative was written by the language model \`scripted-model-2025\` at \`${origin}\``,
    );
    expect(md.stdout).not.toContain('203.0.113.77');
    const sarif = await run('answer', ['--format', 'sarif', ...narrateArgs()]);
    const log = JSON.parse(sarif.stdout);
    const runProps = log.runs[0].properties.tripline;
    expect(runProps.narrative.summary.sentences[0].text).toContain('raised 15 alerts');
    const first = log.runs[0].results.find(
      (x: { properties: { tripline: { narrative?: unknown } } }) => x.properties.tripline.narrative,
    );
    expect(first.properties.tripline.narrative[0].sentences[0].text).toContain('52.186.168.241');
    expect(JSON.stringify(log.runs[0].results.map((x: { message: unknown }) => x.message))).not.toContain(
      'is seen at public address',
    );
    for (const out of [md, sarif]) expect(out.stdout + out.stderr).not.toContain(KEY);

    // A saved JSON report renders again with its narrative, to the bytes of the narrated run.
    const dir = tempDir();
    const saved = join(dir, 'report.json');
    await run('answer', ['--format', 'json', '--output', saved, ...narrateArgs()]);
    const again = await tripline(['render', saved, '--format', 'markdown']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(md.stdout);
    expect(readFileSync(saved, 'utf8')).not.toContain(KEY);
  });

  it('an endpoint that refuses: the report is written without a narrative, a warning says why, the exit status is unchanged', async () => {
    const r = await run('refuse', ['--format', 'json', ...narrateArgs(), '--fail-on', 'critical']);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.narrative).toBeUndefined();
    expect(report.alerts).toHaveLength(15);
    const d = report.diagnostics.find((x: { code: string }) => x.code === 'narrative-failed');
    expect(d).toMatchObject({ level: 'warning' });
    expect(d.message).toMatch(/^no narrative: .*401/);
    expect(r.stderr).toMatch(/tripline: warning: no narrative: .*; the report is complete without it/);
    expect(r.stdout + r.stderr).not.toContain(KEY);
    // --fail-on still decides the exit status.
    const failing = await run('refuse', ['--format', 'markdown', ...narrateArgs(), '--fail-on', 'high', '--quiet']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('**Report End**');
    expect(failing.stdout).not.toContain('📝 Narrative');
    expect(failing.stderr).toMatch(/no narrative/);
  });

  it('an endpoint that never answers is given up after --llm-timeout, and the report is written', async () => {
    const r = await run('hang', ['--format', 'json', ...narrateArgs(), '--llm-timeout', '1']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.narrative).toBeUndefined();
    expect(report.diagnostics.map((x: { code: string }) => x.code)).toContain('narrative-failed');
  });

  it('usage errors before anything is read or sent: --narrate without --llm-url or --llm-model, a URL with credentials, a bad timeout', async () => {
    for (const args of [
      ['--narrate', '--llm-model', 'm'],
      ['--narrate', '--llm-url', baseURL],
      ['--narrate', '--llm-url', `http://user:${KEY}@127.0.0.1:1/v1`, '--llm-model', 'm'],
      ['--narrate', '--llm-url', 'ftp://127.0.0.1/v1', '--llm-model', 'm'],
      ['--narrate', '--llm-url', baseURL, '--llm-model', 'm', '--llm-timeout', '0'],
      ['--narrate', '--llm-url', baseURL, '--llm-model', 'm', '--llm-key-env', 'NOT A NAME'],
    ]) {
      const r = await run('answer', ['--format', 'json', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain(KEY);
    }
    expect(seen).toHaveLength(0);
  });

  it('the configuration file: narrate and llm (url, model, keyEnv, timeout); the command line overrides; unknown keys refused', async () => {
    const dir = tempDir({
      'narrate.yaml': `narrate: true\nllm:\n  url: ${baseURL}\n  model: scripted-model\n  keyEnv: TRIPLINE_TEST_KEY\n  timeout: 30\n`,
      'bad.yaml': `llm:\n  url: ${baseURL}\n  apiKey: ${KEY}\n`,
    });
    const r = await run('answer', ['--format', 'json', '--config', join(dir, 'narrate.yaml')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).narrative.model).toBe('scripted-model-2025');
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(seen[0]!.body).model).toBe('scripted-model');
    await run('answer', ['--format', 'json', '--config', join(dir, 'narrate.yaml'), '--llm-model', 'other-model']);
    expect(JSON.parse(seen[0]!.body).model).toBe('other-model');
    const bad = await run('answer', ['--format', 'json', '--config', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('llm.apiKey: unknown key');
    expect(bad.stderr).not.toContain(KEY);
    expect(seen).toHaveLength(0);
  });
});
