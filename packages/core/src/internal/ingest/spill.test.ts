import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { RowSpill } from './spill.js';

const spillDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('tripline-rows-'));

describe('RowSpill', () => {
  it('gives back every row in order, from memory then from its file, and removes the file', () => {
    const before = spillDirs().length;
    const spill = new RowSpill(1000);
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      text: `["2026-03-14T09:26:53Z","web-01","ProcessCreated",${i},"é ${'x'.repeat(i % 300)}"]`,
      line: i + 1,
      record: i + 1,
    }));
    // One row longer than a write block.
    rows[4000] = { text: `["${'y'.repeat(3 * 1024 * 1024)}"]`, line: 4001, record: 4001 };
    for (const r of rows) spill.add(r.text, r.line, r.record);
    expect(spillDirs().length).toBe(before + 1);
    expect([...spill.drain()]).toEqual(rows);
    expect(spill.empty).toBe(true);
    expect(spillDirs().length).toBe(before);
  });

  it('dispose() removes the file of rows never read back', () => {
    const before = spillDirs().length;
    const spill = new RowSpill(10);
    for (let i = 0; i < 100; i++) spill.add(`[${i}]`, 1, i + 1);
    expect(spillDirs().length).toBe(before + 1);
    spill.dispose();
    expect(spillDirs().length).toBe(before);
  });
});
