/**
 * Azurite's Blob service on loopback, one per test file, for the Event Hubs checkpoint store:
 * `azurite-blob --blobHost 127.0.0.1 --blobPort <free port> --location <temp dir> --silent
 * --skipApiVersionCheck --loose --disableTelemetry`, started before the file's tests and killed after.
 *
 * Azurite is installed by `node scripts/azurite.mjs --install` into a cache folder (`.ci/run` does it):
 * without it the file fails under CI (`process.env.CI`), where it must run, and is skipped elsewhere with
 * one line saying why. `--skipApiVersionCheck`: the storage SDK may send a newer API version than this
 * Azurite knows; `--disableTelemetry`: no traffic off the machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script of the repository, without declarations
import { AZURITE_VERSION, azuriteBlobScript } from '../../../scripts/azurite.mjs';

/**
 * The public development account of the Storage emulators (documented by Microsoft for Azurite; not a
 * secret). The tests still check it never appears in an error.
 */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export const connectionStringFor = (port: number) =>
  `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;

/** Whether the Azurite tests run here: the script, or a reason (thrown under CI). */
export function azuriteAvailability(): { readonly script?: string; readonly skip?: string } {
  const script = (azuriteBlobScript as () => string | undefined)();
  if (script) return { script };
  const reason = `azurite ${AZURITE_VERSION as string} not installed (node scripts/azurite.mjs --install)`;
  if (process.env.CI) throw new Error(`${reason}: the Event Hubs checkpoint-store tests must run in CI`);
  process.stdout.write(`Azurite tests skipped: ${reason}\n`);
  return { skip: reason };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

export interface Azurite {
  readonly port: number;
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** Starts Azurite's Blob service; resolves once it accepts connections (60 s at most: the machine may be loaded). */
export async function startAzurite(script: string): Promise<Azurite> {
  const port = await freePort();
  const location = mkdtempSync(join(tmpdir(), 'tripline-azurite-'));
  const args = [
    script,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    '--location',
    location,
    '--silent',
    '--skipApiVersionCheck',
    '--loose',
    '--disableTelemetry',
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 60_000;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(location, { recursive: true, force: true });
      throw new Error(`azurite-blob did not start on 127.0.0.1:${port}: ${stderr.slice(0, 2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    connectionString: connectionStringFor(port),
    async stop() {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(location, { recursive: true, force: true });
    },
  };
}
