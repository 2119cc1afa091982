import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type AnalysisResult,
  analyze,
  compareSeverity,
  createAnalyzer,
  fromFile,
  fromString,
  type InputSource,
  memoryStateStore,
  SEVERITIES,
  type Severity,
} from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The bot runs as a real subprocess (`node bot.mjs`), so it uses the built packages (npm run build).
const BOT = fileURLToPath(new URL('./bot.mjs', import.meta.url));
const WAZUH1 = fileURLToPath(new URL('../wazuh1/events.ndjson', import.meta.url));
const WAIT_MS = 30_000;

interface Received {
  method: string;
  url: string;
  contentType: string;
  /** The Idempotency-Key header (with --state), or undefined. */
  key: string | undefined;
  body: string;
}

/** The webhook: a real HTTP server on 127.0.0.1 that records every request and answers 200. */
function startWebhook(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        key: req.headers['idempotency-key'] as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/services/T000/B000/hook`, received });
    });
  });
}

/** Poll until `check` holds, failing after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** 64 KiB that look like an executable: an ELF header, then bytes from a fixed LCG (commas and newlines included). */
function binaryBytes(): Buffer {
  const b = Buffer.alloc(64 * 1024);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b);
  let x = 12345;
  for (let i = 8; i < b.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A real export with no analysable row: two Defender for Identity logons (a table tripline does not analyse). */
const IDENTITY_ONLY = `${[1, 2]
  .map((n) =>
    JSON.stringify({
      time: `2025-11-07T06:4${n}:00.0000000Z`,
      category: 'AdvancedHunting-IdentityLogonEvents',
      properties: {
        Timestamp: `2025-11-07T06:4${n}:00Z`,
        ActionType: 'LogonSuccess',
        Application: 'Active Directory',
        LogonType: 'Resource access',
        Protocol: 'Kerberos',
        AccountName: 'svc-backup',
        AccountDomain: 'contoso.example',
        DeviceName: 'dc01.contoso.example',
        ReportId: `${1000 + n}`,
      },
    }),
  )
  .join('\n')}\n`;

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** What a chat message must say about a result: counts, severities, every alert title. */
function expectReport(text: string, expected: AnalysisResult): void {
  const s = expected.summary;
  expect(text).toContain('Security Analysis Report');
  expect(text).toContain(`**${s.alertCount} alerts** from ${s.eventsAnalyzed} events`);
  const counts = (['critical', 'high', 'medium', 'low', 'informational'] as const)
    .filter((k) => s.bySeverity[k] > 0)
    .map((k) => `${s.bySeverity[k]} ${k}`)
    .join(', ');
  expect(text).toContain(counts);
  // Compact mode puts event values in code spans; without the backticks each title reads as in the result.
  const plain = text.replaceAll('`', '');
  // A device's DNS domain is dropped in titles when no other device has the same host name.
  for (const alert of expected.alerts) {
    const host = alert.device.name.split('.')[0] ?? alert.device.name;
    expect(plain).toContain(alert.title.replaceAll(alert.device.name, host));
  }
  // No timeline, device or evidence tables in chat mode.
  expect(text).not.toContain('```mermaid');
  expect(text).not.toMatch(/^\|/m);
}

describe('examples/webhook-bot', () => {
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let dir: string;
  let expected: AnalysisResult;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    hook = await startWebhook();
    dir = await mkdtemp(join(tmpdir(), 'tripline-webhook-bot-'));
    expected = await analyze(fromFile(WAZUH1), { detectors: defenderDetectors });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await new Promise<void>((resolve) => hook.server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts the bot watching `folder`, and resolves once it says so; `stderr` grows as the bot writes. */
  async function watchFolder(folder: string) {
    const child = spawn(process.execPath, [BOT, '--webhook', hook.url, '--watch', folder, '--timeout', '5000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const bot = { child, stderr: '' };
    child.stderr?.on('data', (d: Buffer) => {
      bot.stderr += d.toString();
    });
    await until(() => bot.stderr.includes('watching '), 'the bot to watch the folder');
    return bot;
  }

  it('--min-severity: a message only when some alert reaches it (the severity itself included)', async () => {
    // A variable specifier: bot.mjs is plain ESM without type declarations.
    const bot = pathToFileURL(BOT).href;
    const { reportFor } = (await import(bot)) as {
      reportFor(source: InputSource, options: { minSeverity?: Severity }): Promise<{ text: string | undefined }>;
    };
    const highest = expected.alerts
      .map((a) => a.severity)
      .sort(compareSeverity)
      .at(-1) as Severity;
    expect(highest).not.toBe('critical'); // so that a severity above every alert exists
    const above = SEVERITIES[SEVERITIES.indexOf(highest) + 1] as Severity;
    expect((await reportFor(fromFile(WAZUH1), { minSeverity: highest })).text).toContain('tripline');
    expect((await reportFor(fromFile(WAZUH1), { minSeverity: above })).text).toBeUndefined();
  });

  it('stdin: posts the compact report of an Event Hub message as {"text"} JSON', async () => {
    // An Event Hub message: the wazuh1 storage records inside {"records": […]}, big ReportIds kept bare.
    const lines = (await readFile(WAZUH1, 'utf8')).split(/\r?\n/).filter((l) => l !== '');
    const message = `{"records":[${lines.join(',')}]}`;
    const child = spawn(process.execPath, [BOT, '--webhook', hook.url, '--timeout', '5000'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin?.end(message);
    const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
    const code = await exitOf(child);
    clearTimeout(timer);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`stdin: 53 events (0 rejected), ${expected.summary.alertCount} alerts; posted (HTTP 200)`);

    expect(hook.received).toHaveLength(1);
    const req = hook.received[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/services/T000/B000/hook');
    expect(req.contentType).toMatch(/^application\/json\b/);
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['text']);
    expect(typeof body.text).toBe('string');
    expectReport(body.text as string, expected);
    expect((body.text as string).length).toBeLessThanOrEqual(40_000); // Slack's message limit
  });

  it('folder: posts one message per dropped file and moves it to processed/ (unreadable ones to failed/)', async () => {
    hook.received.length = 0;
    const bot = await watchFolder(dir);
    const { child } = bot;

    // Drop files the safe way: write under a skipped name, then rename into place.
    await writeFile(join(dir, '.PT1H.json.tmp'), await readFile(WAZUH1));
    await rename(join(dir, '.PT1H.json.tmp'), join(dir, 'PT1H.json'));
    await until(() => hook.received.length === 1, 'the webhook request');
    // Written aside and renamed, as an exporter does: the bot must never see the file half-written (empty).
    await writeFile(join(dir, '.notes.txt.tmp'), 'not an export\n');
    await rename(join(dir, '.notes.txt.tmp'), join(dir, 'notes.txt'));
    await until(
      async () => (await readdir(join(dir, 'failed'))).includes('notes.txt'),
      'notes.txt to be moved to failed/',
    );
    await until(
      async () => (await readdir(join(dir, 'processed'))).includes('PT1H.json'),
      'PT1H.json to be moved to processed/',
    );

    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
    const code = await exitOf(child);
    clearTimeout(timer);
    expect(code, bot.stderr).toBe(0);

    expect(hook.received).toHaveLength(1); // the unreadable file is not posted
    const req = hook.received[0]!;
    expect(req.method).toBe('POST');
    expect(req.contentType).toMatch(/^application\/json\b/);
    expectReport((JSON.parse(req.body) as { text: string }).text, expected);
    expect(bot.stderr).toContain(
      `PT1H.json: 53 events (0 rejected), ${expected.summary.alertCount} alerts; posted (HTTP 200)`,
    );
    expect(bot.stderr).toMatch(/notes\.txt: .*cannot detect|notes\.txt: .*not NDJSON/);
    expect((await readdir(dir)).sort()).toEqual(['failed', 'processed']);
  });

  it('--state: restarted over the same batch it posts nothing; over a new batch only what is new', async () => {
    hook.received.length = 0;
    const folder = await mkdtemp(join(tmpdir(), 'tripline-webhook-bot-state-'));
    try {
      const state = join(folder, 'bot-state.json');
      const lines = (await readFile(WAZUH1, 'utf8')).split(/\r?\n/).filter((l) => l !== '');
      const half = Math.floor(lines.length / 2);
      const batchA = `${lines.slice(0, half).join('\n')}\n`;
      const batchB = `${lines.slice(half).join('\n')}\n`;

      // What the lifecycle notifies for A then B, in-process over a memory store.
      const store = memoryStateStore();
      await store.open();
      const notifying: string[][] = [];
      for (const [name, text] of [
        ['a', batchA],
        ['b', batchB],
      ] as const) {
        const analyzer = createAnalyzer({ detectors: defenderDetectors, state: { store } });
        await analyzer.push(fromString(text, name));
        const result = analyzer.finish();
        await analyzer.commit();
        notifying.push((result.changes ?? []).filter((c) => c.notify).map((c) => c.idempotencyKey));
      }
      expect(notifying[0]!.length).toBeGreaterThan(0);
      expect(notifying[1]!.length).toBeGreaterThan(0);

      /** One bot process over one batch on stdin (each run is a restart). */
      const runBot = async (input: string) => {
        const child = spawn(process.execPath, [BOT, '--webhook', hook.url, '--state', state, '--timeout', '5000'], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        children.push(child);
        let stderr = '';
        child.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        child.stdin?.end(input);
        const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
        const code = await exitOf(child);
        clearTimeout(timer);
        expect(code, stderr).toBe(0);
        return stderr;
      };

      const first = await runBot(batchA);
      expect(first).toContain(`${notifying[0]!.length} posted`);
      expect(hook.received.map((r) => r.key)).toEqual(notifying[0]);
      const again = await runBot(batchA);
      expect(again).toContain('0 changes (0 notifying); 0 posted');
      expect(hook.received).toHaveLength(notifying[0]!.length);
      await runBot(batchB);
      const keys = hook.received.map((r) => r.key);
      expect(keys).toEqual([...notifying[0]!, ...notifying[1]!]);
      expect(new Set(keys).size).toBe(keys.length); // no key posted twice
      for (const r of hook.received) {
        expect(r.contentType).toMatch(/^application\/json\b/);
        const body = JSON.parse(r.body) as { text: string };
        expect(Object.keys(body)).toEqual(['text']);
        expect(body.text).toMatch(/^\*(New alert|Escalated|Reopened|Still growing|Still active|Resolved)\* \[/);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('stdin: an input with no analysed row is refused (exit 2), not posted', async () => {
    hook.received.length = 0;
    for (const input of [binaryBytes(), Buffer.from(IDENTITY_ONLY)]) {
      const child = spawn(process.execPath, [BOT, '--webhook', hook.url, '--timeout', '5000'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.stdin?.on('error', () => {}); // the bot may stop reading early
      child.stdin?.end(input);
      const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
      const code = await exitOf(child);
      clearTimeout(timer);
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(
        /^tripline-bot: (?:stdin: no row analysed|cannot analyse stdin: .*binary data \(an ELF executable\))/m,
      );
    }
    expect(hook.received).toHaveLength(0);
  });

  it('folder: an input with no analysed row goes to failed/, unposted; the next export is still posted', async () => {
    hook.received.length = 0;
    const folder = await mkdtemp(join(tmpdir(), 'tripline-webhook-bot-'));
    try {
      const bot = await watchFolder(folder);
      const { child } = bot;
      // Taken in name order: the binary, the identity-only export, then a real Defender export.
      for (const [name, bytes] of [
        ['a-ls', binaryBytes()],
        ['b-identity.ndjson', Buffer.from(IDENTITY_ONLY)],
        ['c-PT1H.json', await readFile(WAZUH1)],
      ] as const) {
        await writeFile(join(folder, `.${name}.tmp`), bytes);
        await rename(join(folder, `.${name}.tmp`), join(folder, name));
      }
      await until(
        async () => (await readdir(join(folder, 'processed'))).includes('c-PT1H.json'),
        'c-PT1H.json to be moved to processed/',
      );
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
      const code = await exitOf(child);
      clearTimeout(timer);
      expect(code, bot.stderr).toBe(0);

      expect((await readdir(join(folder, 'failed'))).sort()).toEqual(['a-ls', 'b-identity.ndjson']);
      expect(await readdir(join(folder, 'processed'))).toEqual(['c-PT1H.json']);
      expect(hook.received).toHaveLength(1); // only the real export
      expectReport((JSON.parse(hook.received[0]!.body) as { text: string }).text, expected);
      expect(bot.stderr).toMatch(/a-ls: .*binary data \(an ELF executable\).*; moved to failed\//);
      expect(bot.stderr).toContain(
        'b-identity.ndjson: no row analysed: 2 rows read, all rejected (first: line 1: unsupported-table',
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
