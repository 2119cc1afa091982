import { defineDetector, type MdeEvent } from '@tripline/core';

/**
 * `acme/download-to-dev-shm`: wget or curl writing a download into /dev/shm (or /run/shm). The
 * shared-memory filesystem is world-writable, lives in RAM and is gone after a reboot, which is why
 * droppers and cryptominer installers stage their payload there.
 */
export const detector = defineDetector({
  meta: {
    id: 'acme/download-to-dev-shm',
    title: 'Download into /dev/shm',
    summary: 'wget or curl writes a downloaded file into the shared-memory filesystem /dev/shm.',
    rationale:
      '/dev/shm is writable by every user and leaves nothing on disk after a reboot; legitimate software almost never downloads into it, droppers and miner installers routinely do.',
    severity: 'medium',
    severityNotes: 'High when the same command line also makes the download executable or runs it.',
    category: 'Command and Control',
    mitre: ['T1105'],
    mitreNotes: 'T1105 Ingress Tool Transfer: a tool or payload is brought onto the host from outside.',
    references: ['https://attack.mitre.org/techniques/T1105/'],
    falsePositives: ['Build or benchmark scripts that use /dev/shm as a fast scratch folder for test downloads'],
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
    evidence: {
      target: { combine: 'first', label: 'Target' },
      tool: { combine: 'first', label: 'Tool' },
      commandLines: { from: 'ProcessCommandLine', combine: 'distinct' },
      accounts: { combine: 'distinct', label: 'Accounts' },
    },
    columns: ['AccountName', 'AdditionalFields'],
    messages: {
      default: {
        title: '{tool} download into {target} on {device}',
        description: 'The command line(s) {commandLines} (account {accounts}) write a download into {target}.',
        riskAssessment: 'Medium: a file fetched from outside was staged in memory-backed, world-writable storage.',
      },
      executed: {
        title: '{tool} download into {target} run on {device}',
        description:
          'The command line(s) {commandLines} (account {accounts}) download into {target} and make it executable or run it.',
        riskAssessment: 'High: code fetched from outside was staged in /dev/shm and started, the pattern of a dropper.',
      },
    },
  },
  match(event: MdeEvent) {
    const cmd = event.str('ProcessCommandLine');
    if (cmd === undefined) return undefined;
    const text = cmd.length > MAX_TEXT ? cmd.slice(0, MAX_TEXT) : cmd;
    if (!text.includes('/shm')) return undefined; // cheap exit for almost every row
    const tool = TOOL_RE.exec(text)?.[1];
    if (tool === undefined) return undefined;
    const target = TARGET_RE.exec(text)?.[1];
    if (target === undefined) return undefined;
    const executed = RUN_RE.test(text);
    const account = event.posix.process.effectiveUser?.name ?? event.str('AccountName') ?? '';
    // The most severe match picks the variant: one run of the download makes the alert `executed`.
    return {
      key: target,
      ...(executed ? { severity: 'high' as const, variant: 'executed' } : {}),
      evidence: { target, tool, ...(account ? { accounts: account } : {}) },
    };
  },
});

/** Command lines are attacker-controlled: look at the first 8 KiB only. */
const MAX_TEXT = 8192;
// Linear-time patterns, built once: single character classes, no nested quantifiers.
const TOOL_RE = /(?:^|[\s/"'(;|&])(wget|curl)(?=\s)/;
const TARGET_RE =
  /(?:\s(?:-O|-o|-P|--output-document|--output|--directory-prefix)(?:=|[ \t]*)|>>?[ \t]*)["']?(\/(?:dev|run)\/shm(?:\/[^\s"'|;&<>()]*)?)/;
const RUN_RE =
  /chmod[ \t]+[^\s;|&]*x|(?:^|[\s;&|(])(?:sh|bash|dash|\.)[ \t]+\/(?:dev|run)\/shm\/|(?:&&|;|\|\|)[ \t]*\/(?:dev|run)\/shm\//;
