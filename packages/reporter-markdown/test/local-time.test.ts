import { analyze, fromString } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/index.js';

const LA_LOCAL =
  'TimeGenerated [Local Time],Timestamp [Local Time],DeviceId,DeviceName,ActionType,FileName,ReportId,Type\n' +
  '"11/7/2025, 7:41:12.118 AM","11/7/2025, 7:40:09.381 AM",875524232b2377b606ca585f2a6692b5be921b94,wazuh1,ProcessCreated,lsof,71907,DeviceProcessEvents\n';

const options = { detectors: [], generatedAt: '2025-11-12T09:00:36Z' };

/** The report's head: everything before the first rule (title and header list). */
const head = (md: string) => md.slice(0, md.indexOf('\n---\n'));

describe('local times read as UTC', () => {
  it('are announced under the title, not only under Input Problems', async () => {
    const md = renderMarkdown(await analyze(fromString(LA_LOCAL, 'la-export.csv'), options));
    const top = head(md);
    expect(top).toContain(
      '- **⚠️ Times:** 1 row holds times in local time ("TimeGenerated \\[Local Time\\]", "Timestamp \\[Local Time\\]") and no time zone was given: they were read as UTC, unconverted,',
    );
    expect(top).toContain('(timezone, --timezone on the command line) to convert them. (`la-export.csv`)');
    expect(md.indexOf('⚠️ Times')).toBeLessThan(md.indexOf('Executive Summary'));
  });

  it('are announced in the compact form too', async () => {
    const md = renderMarkdown(await analyze(fromString(LA_LOCAL, 'la-export.csv'), options), { compact: true });
    const lines = md.split('\n');
    const notice = lines.findIndex((l) => l.startsWith('**⚠️ Times:** 1 row holds times in local time'));
    expect(notice).toBeGreaterThan(0);
    expect(notice).toBeLessThan(lines.findIndex((l) => l.startsWith('**0 alerts**')));
  });

  it('are not announced once converted', async () => {
    const md = renderMarkdown(
      await analyze(fromString(LA_LOCAL, 'la-export.csv'), { ...options, timezone: 'Europe/Berlin' }),
    );
    expect(md).not.toContain('⚠️ Times');
    expect(md).toContain('converted to UTC from Europe/Berlin');
  });
});
