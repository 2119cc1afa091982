import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reportJsonSchema } from './schema.js';

describe('published JSON Schema', () => {
  it('is the committed packages/core/schema/report.schema.json (when stale: npm run build && node scripts/gen-report-schema.mjs)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../schema/report.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(reportJsonSchema)));
  });
});
