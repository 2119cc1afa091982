import { defineDetector } from '@tripline/core';
import {
  AGENT_RUN_COLUMNS,
  AGENT_RUN_EVIDENCE,
  agentRunEvidence,
  agentScriptRun,
  ScriptArgs,
  scriptContent,
  showArg,
} from '../../internal/mdatp.js';
import { MAX_SCRIPT_SCAN, suspiciousTraits } from '../../internal/text.js';

const SCRIPT = 'open_files.py';
const SCRIPTS: ReadonlySet<string> = new Set([SCRIPT]);

/** Option spellings, normalised (`--filter-name` → `filtername`). */
const ID_FLAGS = ['id', 'scanid'];
const FILTER_NAME_FLAGS = ['filtername', 'filternames'];
const MARKER_FLAGS = ['markerpath', 'marker', 'markerfile'];
const DIRLIST_FLAGS = ['collectdirlist', 'dirlist'];
const PROC_FLAGS = ['filterproc', 'filterprocess', 'filterprocesses', 'process', 'processes'];
const ENV_FLAGS = ['filterenv', 'env'];

/** Text that makes an open_files.py run the log4j scan (Log4Shell, CVE-2021-44228). Plain substrings. */
const LOG4J_MARKERS = ['log4j', 'JndiLookup', 'LOG4J_FORMAT_MSG_NO_LOOKUPS'];

/** True when the scan id, the command line or the script body carries a log4j marker. */
export function isLog4jScan(scanId: string | undefined, commandLine: string | undefined, content: string): boolean {
  if (scanId?.toLowerCase().includes('log4j')) return true;
  const body = content.length > MAX_SCRIPT_SCAN ? content.slice(0, MAX_SCRIPT_SCAN) : content;
  return LOG4J_MARKERS.some((m) => commandLine?.includes(m) || body.includes(m));
}

export const detector = defineDetector({
  meta: {
    id: 'defender/edr-log4j-scan',
    title: 'Defender log4j exposure scan',
    summary:
      "Recognises Microsoft Defender for Endpoint's `open_files.py` log4j scan — script under /opt/microsoft/mdatp/, started by `wdavdaemon`, effective group `mdatp`, with log4j markers — and reports its scan id, filters, mitigation marker and collected directory listings.",
    rationale:
      'Since Log4Shell (CVE-2021-44228) Defender periodically looks for Java processes that hold log4j or spring-core archives open, checks the JNDI-lookup mitigation marker and lists the matching directories. The ScriptContent record reads like file-system reconnaissance of Java processes; naming it lets an analyst close it. Low: expected behaviour of the installed EDR, and it improves exposure assessment.',
    severity: 'low',
    severityNotes:
      'Always low. A run failing an identity check (path outside /opt/microsoft/mdatp/, parent not wdavdaemon, effective group not mdatp), an open_files.py run without log4j markers, or a body with reverse-shell / download-and-run code gets no alert here.',
    category: 'Vulnerability Scanning / Security Monitoring',
    mitre: ['T1518', 'T1083'],
    mitreNotes:
      'T1518 Software Discovery: the scan determines whether log4j / spring-core libraries are present and loaded. T1083 File and Directory Discovery: it lists the directories of the archives it finds (`collect dirlist`). The reference report used T1518.001 (Security Software Discovery), which is about discovering security products; a scan for a vulnerable logging library is not that.',
    references: [
      'https://learn.microsoft.com/en-us/defender-endpoint/linux-whatsnew',
      'https://www.microsoft.com/en-us/security/blog/2021/12/11/guidance-for-preventing-detecting-and-hunting-for-cve-2021-44228-log4j-2-exploitation/',
      'https://attack.mitre.org/techniques/T1518/',
      'https://attack.mitre.org/techniques/T1083/',
    ],
    falsePositives: ['None for the class: every alert is the Defender agent itself.'],
    kql: {
      unsupported:
        "Recognising Defender's log4j scan parses the script's arguments from the command line and the script body and rejects bodies with attacker behaviour (the pack's behaviour catalog); that parsing and catalog have no faithful KQL form.",
    },
    tables: ['DeviceEvents'],
    actionTypes: ['ScriptContent'],
    evidence: {
      scriptName: { combine: 'first', label: 'Script Name' },
      path: { combine: 'first', label: 'Script Path' },
      scanId: { combine: 'first', label: 'Scan ID' },
      filterName: { combine: 'first', label: 'Filter Name' },
      markerPath: { combine: 'first', label: 'Marker Path' },
      dirlist: { combine: 'first', label: 'Collect Dirlist' },
      processFilter: { combine: 'first', label: 'Process Filter' },
      envFilter: { combine: 'first', label: 'Environment Filter' },
      ...AGENT_RUN_EVIDENCE,
      scanName: { combine: 'first', hidden: true },
    },
    columns: AGENT_RUN_COLUMNS,
    messages: {
      default: {
        title: 'Defender log4j exposure scan ({scanName})',
        description:
          'Microsoft Defender for Endpoint ran {scriptName} ({path}) {count} time(s) between {firstSeen} and {lastSeen}, started by {parent} as {user} with effective group {group}. The scan looks at processes matching {processFilter} for open archives named {filterName}, checks the mitigation marker {markerPath} and the environment setting {envFilter}, and lists directories matching {dirlist}.',
        riskAssessment:
          "A legitimate exposure check by the installed EDR for Log4Shell (CVE-2021-44228); it improves the security posture and is no threat. The scan was attributed to Defender by its location, its parent process and its effective group. If the host runs Java services (this scan found reason to look), check Defender's vulnerability view for log4j findings.",
      },
    },
  },

  match(event) {
    const run = agentScriptRun(event, SCRIPTS);
    if (!run.ok) return undefined;
    const content = scriptContent(event);
    const args = new ScriptArgs(run.words, run.name, content);
    const scanId = args.get(ID_FLAGS);
    if (!isLog4jScan(scanId?.value, event.str('InitiatingProcessCommandLine'), content)) return undefined;
    if (suspiciousTraits(content, false).length > 0) return undefined;
    // One alert per script and scan id: open_files.py serves several scans.
    return {
      key: `${run.path} ${scanId?.value ?? ''}`.trim(),
      evidence: {
        ...agentRunEvidence(run),
        scanId: showArg(scanId),
        scanName: scanId?.value ?? 'no scan id',
        filterName: showArg(args.get(FILTER_NAME_FLAGS)),
        markerPath: showArg(args.get(MARKER_FLAGS)),
        dirlist: showArg(args.get(DIRLIST_FLAGS)),
        processFilter: showArg(args.get(PROC_FLAGS)),
        envFilter: showArg(args.get(ENV_FLAGS)),
      },
    };
  },
});
