import { defineDetector } from '@tripline/core';
import { z } from 'zod';
import { inPackageHook } from '../../internal/behaviours.js';
import { clip } from '../../internal/text.js';

/**
 * Data roots watched by default: database, search-index and application data. Deletions are
 * grouped per root (`/var/lib/mysql`, `/home`, …).
 */
export const DEFAULT_DATA_ROOTS: readonly string[] = [
  '/var/lib/wazuh-indexer',
  '/var/lib/opensearch',
  '/var/lib/elasticsearch',
  '/var/lib/mysql',
  '/var/lib/mariadb',
  '/var/lib/postgresql',
  '/var/lib/pgsql',
  '/var/lib/mongodb',
  '/var/lib/redis',
  '/var/lib/clickhouse',
  '/var/lib/cassandra',
  '/var/lib/influxdb',
  '/var/lib/docker/volumes',
  '/var/lib/wazuh-manager',
  '/var/ossec',
  '/var/www',
  '/var/backups',
  '/var/opt/mssql',
  '/srv',
  '/home',
  '/root',
  '/data',
  '/backup',
  '/backups',
];

/** Sub-paths of roots that hold throw-away files (caches, build output, trash). */
const DISPOSABLE = [
  '/.cache/',
  '/node_modules/',
  '/.npm/',
  '/__pycache__/',
  '/.local/share/Trash/',
  '/.m2/repository/',
  '/.gradle/caches/',
  '/tmp/',
];

/** Programs that delete files on a command: rm and friends, and shells (`rm` is a builtin of busybox sh). */
const DELETERS: ReadonlySet<string> = new Set([
  'rm',
  'rmdir',
  'unlink',
  'shred',
  'srm',
  'wipe',
  'find',
  'sh',
  'dash',
  'bash',
  'zsh',
  'ksh',
  'mksh',
  'ash',
  'busybox',
]);

export const options = z.strictObject({
  /** Deletions under one data root needed within the window. */
  threshold: z.number().int().min(1).max(10_000_000).default(20),
  /** Window length in minutes. */
  windowMinutes: z
    .number()
    .positive()
    .max(7 * 24 * 60)
    .default(10),
  /** More data roots to watch (absolute paths, no trailing slash), in addition to the defaults. */
  extraRoots: z
    .array(z.string().regex(/^\/[^\n]{0,4095}$/))
    .max(1000)
    .default([]),
});
export type DestructiveDeletionOptions = z.infer<typeof options>;

/** Samples of deleted paths shown per alert. */
const MAX_PATHS_SHOWN = 10;

/** The roots to look under for an `extraRoots` list: defaults first, each without its trailing slash. */
const ROOTS = new WeakMap<readonly string[], readonly string[]>();
const NO_EXTRA: readonly string[] = [];

function rootsWith(extra: readonly string[]): readonly string[] {
  let roots = ROOTS.get(extra);
  if (roots === undefined) {
    roots = [...DEFAULT_DATA_ROOTS, ...extra].map((root) => (root.endsWith('/') ? root.slice(0, -1) : root));
    ROOTS.set(extra, roots);
  }
  return roots;
}

/** The data root a path lies under (the longest matching root, the first of equals), or undefined. */
export function dataRoot(path: string, extra: readonly string[] = NO_EXTRA): string | undefined {
  let best: string | undefined;
  // Per row: no list or `${root}/` built, the roots of one options object are made once.
  for (const r of rootsWith(extra)) {
    if (best !== undefined && r.length <= best.length) continue;
    if (path.charCodeAt(r.length) === 0x2f && path.startsWith(r)) best = r;
  }
  return best;
}

export const detector = defineDetector<DestructiveDeletionOptions>({
  meta: {
    id: 'defender/destructive-deletion',
    title: 'Mass deletion of a data directory by rm or a shell',
    summary:
      'Many files deleted (FileDeleted) under one data root — a database, a search index, web content, home or backup directories — by rm, find or a shell, within a short window (default 20 in 10 minutes).',
    rationale:
      "Services delete their own files all the time (Lucene merges segments, MySQL purges binlogs), always through their own process. When a person or a script wipes the data directory with `rm -rf`, data is being destroyed: an intruder covering tracks or sabotaging (a SIEM indexer wiped so the alerts are gone), or an operator mistake that needs a restore. Either way it is high. The benign class search-index-segment-deletion is only the indexer's own JVM under its service account; the same files deleted by rm or a shell land here.",
    severity: 'high',
    severityNotes: 'Always high: the threshold filters out single-file clean-ups; what remains destroys data.',
    category: 'Impact',
    mitre: ['T1485'],
    mitreNotes:
      "T1485 Data Destruction. When the wiped root is a security tool's store (wazuh-indexer, the Wazuh manager) the effect also impairs defenses, but the act observed is deletion of data, so T1485 alone is reported; T1070.004 (File Deletion) is for removing the intruder's own artifacts, not the victim's data.",
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicefileevents-table',
      'https://attack.mitre.org/techniques/T1485/',
      'https://man7.org/linux/man-pages/man1/rm.1.html',
    ],
    falsePositives: [
      'Planned decommissioning or a reinstall that removes a database directory by hand.',
      'Administrators clearing large application directories under /srv or /var/www during a deployment (caches, node_modules and similar throw-away sub-paths are ignored).',
      'Package purges (dpkg/rpm maintainer scripts removing their data on purge) are ignored.',
    ],
    kql: {
      unsupported:
        "The deleting process is classified by tokenising its command line (rm, find -delete, a shell's -c command) and the path is matched against data roots that options can extend, with package purges and throw-away sub-paths left out; KQL string operators cannot tokenise a command line the same way, so a query would approximate in silence.",
    },
    tables: ['DeviceFileEvents'],
    actionTypes: ['FileDeleted'],
    options,
    evidence: {
      root: { combine: 'first', label: 'Data Root' },
      // One value per deleted file: match supplies the file's path.
      filesDeleted: { combine: 'count', label: 'Files Deleted' },
      processes: { from: 'InitiatingProcessFileName', combine: 'distinct' },
      commandLines: { combine: 'distinct', cap: 10, label: 'Command Lines' },
      accounts: { combine: 'distinct', cap: 10, label: 'Accounts' },
      paths: { combine: 'distinct', cap: MAX_PATHS_SHOWN, label: 'Sample Paths' },
      process: { from: 'InitiatingProcessFileName', combine: 'first', hidden: true },
      commandLine: { combine: 'first', hidden: true },
      account: { combine: 'first', hidden: true },
    },
    columns: [
      'FolderPath',
      'FileName',
      'InitiatingProcessCommandLine',
      'InitiatingProcessAccountName',
      'InitiatingProcessParentFileName',
      'AdditionalFields',
    ],
    messages: {
      default: {
        title: 'Mass deletion under {root} by {process}',
        description:
          '{count} files under {root} on {device} were deleted by {process} between {firstSeen} and {lastSeen} (command line: {commandLine}; account {account}).',
        riskAssessment:
          "Data under {root} is being destroyed outside the service that owns it. Find the session that ran the command (the parent chain, the logon before it), stop it, and restore from backup. If {root} is a security tool's data store, assume an intruder is removing evidence and look for the intrusion itself.",
      },
    },
  },

  window: (o) => ({ sizeMs: Math.round(o.windowMinutes * 60_000), threshold: o.threshold }),

  match(event, ctx) {
    const proc = event.str('InitiatingProcessFileName');
    if (!proc || !DELETERS.has(proc)) return undefined;
    const folder = event.str('FolderPath') ?? '';
    const name = event.str('FileName') ?? '';
    const path = !name || folder.endsWith(`/${name}`) ? folder : `${folder.replace(/\/$/, '')}/${name}`;
    if (!path.startsWith('/')) return undefined;
    const root = dataRoot(path, ctx.options.extraRoots);
    if (!root) return undefined;
    const rest = path.slice(root.length);
    if (DISPOSABLE.some((d) => rest.includes(d))) return undefined;
    if (inPackageHook(event)) return undefined;
    const account =
      event.posix.initiatingProcess.effectiveUser?.name ?? event.str('InitiatingProcessAccountName') ?? '(unknown)';
    const commandLine = clip(event.str('InitiatingProcessCommandLine') ?? proc);
    return {
      key: root,
      evidence: {
        root,
        filesDeleted: clip(path),
        paths: clip(path),
        commandLines: commandLine,
        commandLine,
        accounts: account,
        account,
      },
    };
  },

  render: (group) => ({ keyComponents: { 'First Deletion': group.firstSeen, 'Last Deletion': group.lastSeen } }),
});
