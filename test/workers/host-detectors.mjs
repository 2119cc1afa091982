// A host's detector module for analyze({ workers }): the Defender preset plus one detector of the host's own.
import { appendFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';
import { defineDetector } from '@tripline/core';

// The test counts the worker threads that imported this module (a thread per line).
if (!isMainThread && process.env.TRIPLINE_TEST_WORKER_LOG)
  appendFileSync(process.env.TRIPLINE_TEST_WORKER_LOG, `${threadId}\n`);

import { defenderDetectors } from '@tripline/detectors-defender';

export const logonsByProcess = defineDetector({
  meta: {
    id: 'host/logon-by-process',
    title: 'Logons started by one process',
    summary: 'Counts the logons each initiating process starts on a device.',
    rationale: 'A test detector of the host: one alert per device and initiating process of a logon.',
    severity: 'low',
    category: 'Initial Access',
    mitre: ['T1078'],
    tables: ['DeviceLogonEvents'],
    evidence: { process: { combine: 'first', label: 'Process' } },
    messages: {
      default: {
        title: 'Logons by {process} on {device}',
        description: 'The process {process} started logons on {device}.',
        riskAssessment: 'Low: a test detector.',
      },
    },
  },
  match(event) {
    const process = event.str('InitiatingProcessFileName');
    return process ? { key: process, evidence: { process } } : undefined;
  },
});

export const detectors = [...defenderDetectors, logonsByProcess];
