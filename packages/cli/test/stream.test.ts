import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { memoryBroker } from '@tripline/stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as fleet from '../../stream/test/conformance.js';
import {
  brokerKind,
  checkStreamOptions,
  healthLine,
  loadAdapter,
  metricsServer,
  notificationLine,
  partitionFile,
  streamCommand,
} from '../src/internal/stream.js';
import { assertBuilt, tripline } from './helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /x/dist/nats/index.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

describe('tripline stream: options', () => {
  it('takes nats://, eventhubs and kafka brokers; anything else is a usage error', () => {
    expect(brokerKind('nats://127.0.0.1:4222')).toBe('nats');
    expect(brokerKind('EventHubs')).toBe('eventhubs');
    expect(brokerKind('kafka')).toBe('kafka');
    expect(() => brokerKind('amqp://x\u001b[2J')).toThrow(/--broker amqp:\/\/x.*expected nats:\/\/host:port/);
    expect(() => checkStreamOptions({ broker: 'kafka' })).toThrow(/--state <dir> is required/);
    expect(() => checkStreamOptions({ broker: 'kafka', rekey: true })).toThrow(/--rekey needs --to/);
    expect(() => checkStreamOptions({ broker: 'kafka', rekey: true, to: 'x', state: 'd' })).toThrow(/keeps no state/);
    expect(() => checkStreamOptions({ broker: 'kafka', state: 'd', to: 'x' })).toThrow(/--to is for --rekey only/);
  });

  it('loads the adapter by scheme and says what to install when its client library is missing', async () => {
    const seen: string[] = [];
    const adapter = { source: () => undefined, sink: () => undefined };
    await expect(
      loadAdapter('nats', async (s) => {
        seen.push(s);
        return { streamAdapter: adapter };
      }),
    ).resolves.toBe(adapter);
    expect(seen).toEqual(['@tripline/stream/nats']);
    await expect(
      loadAdapter('nats', async () => {
        throw notFound('nats');
      }),
    ).rejects.toThrow('--broker nats: the nats adapter needs the npm package nats: npm install nats');
    await expect(
      loadAdapter('eventhubs', async () => {
        throw notFound('@azure/event-hubs');
      }),
    ).rejects.toThrow('npm install @azure/event-hubs');
    await expect(
      loadAdapter('kafka', async () => {
        throw Object.assign(new Error('Package subpath ./kafka is not defined'), {
          code: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
        });
      }),
    ).rejects.toThrow('this installation of @tripline/stream has no kafka adapter (@tripline/stream/kafka)');
    await expect(loadAdapter('kafka', async () => ({}))).rejects.toThrow(/does not export a streamAdapter/);
  });

  it('names partition files safely, writes terminal-safe NDJSON and the health line', () => {
    expect(partitionFile('/s', '3')).toBe(join('/s', 'partition-3.sqlite'));
    expect(partitionFile('/s', '../x')).toBe(join('/s', 'partition-..%2fx.sqlite'));
    const line = notificationLine({ key: '0/abc:1', payload: { title: 'a\u009b31m\u2028b' }, queuedAt: 'T' }, '0');
    expect(line).toBe('{"key":"0/abc:1","partition":"0","queuedAt":"T","payload":{"title":"a\\u009b31m\\u2028b"}}\n');
    expect(JSON.parse(line).payload.title).toBe('a\u009b31m\u2028b');
    const m = {
      rows: 12345,
      rowsPerSecond: 1204,
      batches: 3,
      alerts: 17,
      notifications: 0,
      redelivered: 0,
      partitions: new Map([
        ['0', { lag: 0, committed: '9' }],
        ['2', { lag: 0 }],
      ]),
    };
    expect(healthLine('nats://127.0.0.1:4222', m)).toBe(
      'stream: nats://127.0.0.1:4222 partitions 0,2 owned, 12,345 rows, 1,204 rows/s, lag 0, alerts 17',
    );
  });

  it('serves OpenMetrics on 127.0.0.1 only (a real HTTP GET)', async () => {
    const server = await metricsServer(0, () => 'tripline_stream_rows_total{source="x"} 1\n# EOF\n');
    try {
      const { address, port } = server.address() as AddressInfo;
      expect(address).toBe('127.0.0.1');
      const get = (path: string) =>
        new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
          request({ host: '127.0.0.1', port, path }, (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (d: string) => {
              body += d;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
            );
          })
            .on('error', reject)
            .end();
        });
      const ok = await get('/metrics');
      expect(ok.status).toBe(200);
      expect(ok.type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
      expect(ok.body).toBe('tripline_stream_rows_total{source="x"} 1\n# EOF\n');
      expect((await get('/other')).status).toBe(404);
      await expect(metricsServer(port, () => '')).rejects.toThrow(/--metrics-port \d+: cannot listen on 127.0.0.1/);
    } finally {
      server.close();
    }
  });
});

describe('tripline stream: a run (memory broker in this process)', () => {
  it('consumes, writes one SQLite store per partition and notifications as NDJSON, stops on SIGTERM with exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-stream-'));
    dirs.push(dir);
    const broker = memoryBroker({ partitions: 2, batchSize: 40 });
    await broker.sink().publish(fleet.fleetRecords());
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const exit = streamCommand(
      { broker: 'nats://127.0.0.1:4222', state: join(dir, 'state'), metricsInterval: 0, consumer: 'a' },
      { stdin: new PassThrough(), stdout, stderr, env: {} },
      async () => ({
        streamAdapter: {
          source: (o: { consumer: string }) => broker.source({ consumer: o.consumer }),
          sink: () => broker.sink(),
        },
      }),
    );
    await broker.drained(120_000);
    process.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(
      readdirSync(join(dir, 'state'))
        .filter((f) => f.endsWith('.sqlite'))
        .sort(),
    ).toEqual(['partition-0.sqlite', 'partition-1.sqlite']);
    const lines = out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { key: string; partition: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(new Set(lines.map((l) => l.key)).size).toBe(lines.length);
    for (const l of lines) expect(l.key.startsWith(`${l.partition}/`)).toBe(true);
    expect(err).toMatch(
      /^stream: nats:\/\/127\.0\.0\.1:4222 partitions none owned, 474 rows, [\d,]+ rows\/s, lag unknown, alerts [1-9][\d,]*, \d+ notifications\n$/,
    );
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('tripline stream --rekey and --notifications (memory brokers in this process)', () => {
  it('--rekey republishes every row of the source under its DeviceId to --to, then exits 0 on SIGINT', async () => {
    const from = memoryBroker({ partitions: 2 });
    const to = memoryBroker({ partitions: 3 });
    const rows = fleet.fleetRecords();
    from.append('0', [
      `{"records":[${rows
        .slice(0, 200)
        .map((r) => r.body)
        .join(',')}]}`,
    ]);
    from.append(
      '1',
      rows.slice(200).map((r) => String(r.body)),
    );
    const stderr = new PassThrough();
    let err = '';
    stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const targets: string[] = [];
    const exit = streamCommand(
      { broker: 'kafka', rekey: true, to: 'mde-by-device', consumer: 'r', metricsInterval: 0 },
      { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: {} },
      async () => ({
        streamAdapter: {
          source: (o: { consumer: string }) => from.source({ consumer: o.consumer }),
          sink: (o: { target: string }) => {
            targets.push(o.target);
            return to.sink();
          },
        },
      }),
    );
    await from.drained(120_000);
    process.emit('SIGINT');
    expect(await exit).toBe(0);
    expect(targets).toEqual(['mde-by-device']);
    const moved = ['0', '1', '2'].flatMap((p) => to.records(p));
    expect(moved).toHaveLength(rows.length);
    expect(err).toBe(
      `stream: rekey kafka → mde-by-device: ${rows.length - 199} records, ${rows.length} rows republished, 0 without DeviceId\n`,
    );
  });

  it('--notifications FILE appends the NDJSON lines to the file, not stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-stream-'));
    dirs.push(dir);
    const broker = memoryBroker({ partitions: 1 });
    await broker.sink().publish(fleet.fleetRecords());
    const stdout = new PassThrough();
    let out = '';
    stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const file = join(dir, 'notifications.ndjson');
    writeFileSync(file, 'earlier line\n');
    const exit = streamCommand(
      { broker: 'eventhubs', state: join(dir, 'state'), notifications: file, quiet: true, consumer: 'a' },
      { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {} },
      async () => ({ streamAdapter: { source: () => broker.source({ consumer: 'a' }), sink: () => broker.sink() } }),
    );
    await broker.drained(120_000);
    process.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toBe('');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines[0]).toBe('earlier line');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines.slice(1)) expect(JSON.parse(l).key).toMatch(/^0\//);
  });
});

describe('tripline stream: the built command line', () => {
  it('refuses bad arguments with one line and exit 2', async () => {
    assertBuilt();
    const bad = await tripline(['stream', '--broker', 'amqp://x', '--state', 'd']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'tripline: --broker amqp://x: expected nats://host:port, eventhubs or kafka (see tripline stream --help)\n',
    );
    const port = await tripline(['stream', '--broker', 'kafka', '--state', 'd', '--metrics-port', '70000']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/Expected a TCP port from 1 to 65535/);
    const help = await tripline(['stream', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--metrics-port <port>');
    expect(existsSync('d')).toBe(false);
  });
});
