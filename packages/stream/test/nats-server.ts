/**
 * A real `nats-server` with JetStream on loopback, one per test file: `nats-server -js -a 127.0.0.1 -p
 * <free port> -sd <temp dir>`, started before the file's tests and killed after them.
 *
 * Debian's `nats-server` package provides the binary (`.ci/run` installs it with apt when missing).
 * Without the binary a test file that needs it fails under CI (`process.env.CI`), where it must run,
 * and is skipped elsewhere with one line saying why (a fresh clone has no nats-server).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The binary: `TRIPLINE_NATS_SERVER`, or `nats-server` on the PATH or in /usr/sbin (Debian puts it there). */
export function findNatsServer(): string | undefined {
  const candidates = [process.env.TRIPLINE_NATS_SERVER, 'nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server'];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    if (probe.status === 0 && /nats-server/i.test(probe.stdout)) return candidate;
  }
  return undefined;
}

/**
 * Whether the NATS tests run here: the binary, or a reason. Under CI a missing binary is an error (the
 * caller throws it, so the file fails); elsewhere the file is skipped and the reason printed once.
 */
export function natsAvailability(): { readonly binary?: string; readonly skip?: string } {
  const binary = findNatsServer();
  if (binary) return { binary };
  const reason = 'nats-server not found (apt-get install nats-server, or TRIPLINE_NATS_SERVER=<path>)';
  if (process.env.CI) throw new Error(`${reason}: the NATS JetStream tests must run in CI`);
  process.stdout.write(`NATS JetStream tests skipped: ${reason}\n`);
  return { skip: reason };
}

async function freePort(): Promise<number> {
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
    // The server speaks first (INFO …): it accepts clients once it sends that.
    socket.once('data', (data) => done(data.toString('utf8').startsWith('INFO')));
    socket.connect(port, '127.0.0.1');
  });
}

/** A running server. `stop()` kills it and removes its store directory; safe to call twice. */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Its output so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test runner killed half-way must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a server (with JetStream unless `jetstream: false`) on a free loopback port and waits (up to `timeoutMs`) until it accepts clients. */
export async function startNatsServer(
  binary: string,
  timeoutMs = 60_000,
  options: { readonly jetstream?: boolean } = {},
): Promise<NatsServer> {
  for (let attempt = 0; ; attempt++) {
    const storeDir = mkdtempSync(join(tmpdir(), 'tripline-nats-'));
    const port = await freePort();
    const args = ['-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
    const child = spawn(binary, options.jetstream === false ? args : ['-js', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let gone = false;
    void exited.then(() => {
      gone = true;
      running.delete(child);
    });
    const stop = async () => {
      if (!gone) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(storeDir, { recursive: true, force: true });
    };
    const deadline = Date.now() + timeoutMs;
    while (!gone && Date.now() < deadline) {
      if (await accepts(port)) {
        return { url: `nats://127.0.0.1:${port}`, port, storeDir, log: () => output, stop };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    // Another process took the port between the probe and the bind: try another one, a few times.
    if (gone && attempt < 3 && /address already in use/i.test(output)) continue;
    throw new Error(`nats-server did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms:\n${output}`);
  }
}
