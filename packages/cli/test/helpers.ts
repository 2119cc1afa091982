import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
/** The built binary these tests run. */
export const CLI = join(ROOT, 'packages/cli/dist/cli.js');
/** The bundled example (written by the examples package). */
export const EXAMPLE = join(ROOT, 'examples/wazuh1/events.ndjson');

/** Built packages the CLI imports at run time. */
const RUNTIME_DEPS = ['core', 'detectors-defender', 'kql', 'reporter-markdown', 'reporter-sarif', 'sigma'].map((p) =>
  join(ROOT, 'packages', p, 'dist/index.js'),
);

/** Fail with instructions instead of a cryptic spawn error when the CLI or a package it imports is not built. */
export function assertBuilt(): void {
  for (const file of [CLI, ...RUNTIME_DEPS]) {
    if (!existsSync(file)) {
      throw new Error(`${file} does not exist: build first (npm run build at the repository root)`);
    }
  }
}

/** What a CLI run produced. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `node dist/cli.js …args` with optional stdin; stdio are pipes (not a terminal). */
export function tripline(
  args: readonly string[],
  options: { stdin?: string; env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const env: Record<string, string | undefined> = { ...process.env, SOURCE_DATE_EPOCH: undefined, ...options.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (stderr.includes('ERR_MODULE_NOT_FOUND')) {
        fail(new Error(`the built CLI could not load a module (run npm run build first):\n${stderr}`));
        return;
      }
      done({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the CLI may exit before reading stdin
    child.stdin.end(options.stdin ?? '');
  });
}

const DEVICE_ID = '6c1f0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e';
const DEVICE_NAME = 'web-01.contoso.internal';
const TENANT = '0f0e0d0c-0b0a-0908-0706-050403020100';

/** A streaming-API record (`PT1H.json` line) of a Linux device. */
export function record(table: string, properties: Record<string, unknown>): string {
  return JSON.stringify({
    time: '2025-03-04T10:15:02.1234567Z',
    tenantId: TENANT,
    operationName: 'Publish',
    category: `AdvancedHunting-${table}`,
    properties: { DeviceId: DEVICE_ID, DeviceName: DEVICE_NAME, MachineGroup: 'linux-servers', ...properties },
    Tenant: 'DefaultTenant',
  });
}

const root = (extra: Record<string, unknown> = {}) => ({
  AccountName: 'root',
  AccountDomain: 'web-01',
  InitiatingProcessAccountName: 'root',
  InitiatingProcessAccountDomain: 'web-01',
  ...extra,
});

/** `dash` exec'ing `lsof` (same ProcessId): the exec-process-replacement class, medium by default. */
export function execReplacement(reportId: string, timestamp = '2025-03-04T10:14:58.1234567Z'): string {
  return record(
    'DeviceProcessEvents',
    root({
      Timestamp: timestamp,
      ActionType: 'ProcessCreated',
      FileName: 'lsof',
      FolderPath: '/usr/bin/lsof',
      ProcessCommandLine: 'lsof -nP -p 4242',
      ProcessId: 4242,
      ProcessCreationTime: timestamp,
      InitiatingProcessFileName: 'dash',
      InitiatingProcessFolderPath: '/usr/bin/dash',
      InitiatingProcessCommandLine: 'sh -c "lsof -nP -p 4242"',
      InitiatingProcessId: 4242,
      InitiatingProcessParentFileName: 'bash',
      InitiatingProcessParentId: 4100,
      InitiatingProcessSignatureStatus: 'Unknown',
      InitiatingProcessSignerType: 'Unknown',
      ReportId: reportId,
      AdditionalFields:
        '{"ProcessPosixEffectiveUser":{"Name":"root","PosixUserId":0},"ProcessPosixEffectiveGroup":{"Name":"root","PosixGroupId":0}}',
    }),
  );
}

/** A root logon started by cron: the root-cron-logon class, low by default. */
export function cronLogon(reportId: string, timestamp: string): string {
  return record(
    'DeviceLogonEvents',
    root({
      Timestamp: timestamp,
      ActionType: 'LogonSuccess',
      LogonType: 'Batch',
      Protocol: 'Unknown',
      InitiatingProcessFileName: 'cron',
      InitiatingProcessFolderPath: '/usr/sbin/cron',
      InitiatingProcessCommandLine: '/usr/sbin/cron -f -P',
      InitiatingProcessId: 812,
      ReportId: reportId,
    }),
  );
}

/** A temporary folder with the given files written into it; returns its path. */
export function tempDir(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Fixture: one exec replacement, two cron logons, one line that is not JSON (rejected, line 3). */
export function mixedNdjson(): string {
  return [
    execReplacement('184467440737095516'),
    cronLogon('9007199254740993123', '2025-03-04T10:17:01.0000000Z'),
    '{"this is": not json',
    cronLogon('9007199254740993124', '2025-03-04T10:27:01.0000000Z'),
  ].join('\r\n');
}
