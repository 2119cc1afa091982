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

const JAR_SCRIPT = 'get_jar_data_list.py';
const PYTHON_SCRIPT = 'find_python_package.py';
/** Defender's software-inventory scripts (shipped under /opt/microsoft/mdatp/conf/scripts/). */
export const INVENTORY_SCRIPTS: ReadonlySet<string> = new Set([JAR_SCRIPT, PYTHON_SCRIPT]);

/** Option spellings, normalised (`--jar-paths` → `jarpaths`). */
const JAR_PATH_FLAGS = ['jarpaths', 'jarpath', 'searchpaths', 'searchpath', 'paths', 'path', 'glob'];
const MANIFEST_FLAGS = ['manifestkeys', 'manifestkey', 'keys', 'attributes'];
const SEARCH_DIR_FLAGS = ['searchdirs', 'searchdirectories', 'searchdir', 'dirs', 'directories'];
const GLOBAL_DIR_FLAGS = ['globaldirs', 'globaldirectories', 'globaldir'];
const PACKAGE_FLAGS = ['packagenames', 'packagename', 'packages', 'package', 'names'];

/** Manifest attribute names quoted in a script body (`'implementation-version'`): bounded, linear. */
const MANIFEST_KEY_RE = /["'](?:implementation|specification|bundle)-(?:version|vendor|title|name)["']/gi;

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Manifest keys the script body itself names, lower-cased, first-seen order. */
export function manifestKeysInContent(content: string): string[] {
  const s = content.length > MAX_SCRIPT_SCAN ? content.slice(0, MAX_SCRIPT_SCAN) : content;
  const out = new Set<string>();
  for (const m of s.matchAll(MANIFEST_KEY_RE)) out.add(m[0].slice(1, -1).toLowerCase());
  return [...out];
}

export const detector = defineDetector({
  meta: {
    id: 'defender/edr-inventory-script',
    title: 'Defender software-inventory script',
    summary:
      'Recognises Microsoft Defender for Endpoint running its own software-inventory scripts (`get_jar_data_list.py`, `find_python_package.py`) — script under /opt/microsoft/mdatp/, started by `wdavdaemon`, effective group `mdatp` — and reports what they searched, one alert per script.',
    rationale:
      "Defender's vulnerability management inventories Java archives and Python packages with these scripts; each run is a ScriptContent record that reads like reconnaissance. Naming them, with the search paths they used, lets an analyst close them quickly. Low: expected behaviour of the installed EDR. The three identity checks matter because an attacker can copy a script name: the same name run from a home directory, by another account, or by another parent is not labelled benign.",
    severity: 'low',
    severityNotes:
      'Always low. Runs that fail an identity check (path outside /opt/microsoft/mdatp/, parent not wdavdaemon, effective group not mdatp) or whose body carries reverse-shell / download-and-run code get no alert here and are left to the suspicious-script detectors.',
    category: 'System Reconnaissance / Software Inventory',
    mitre: ['T1518'],
    mitreNotes:
      'T1518 Software Discovery: the scripts enumerate installed Java archives (with their manifest versions and vendors) and Python packages. The reference report mapped them to T1518.001 (Security Software Discovery), which is about finding security products — AV, EDR, firewalls — and is wrong here: these scripts look for application libraries, not for security software.',
    references: [
      'https://learn.microsoft.com/en-us/defender-vulnerability-management/defender-vulnerability-management',
      'https://learn.microsoft.com/en-us/defender-endpoint/linux-whatsnew',
      'https://attack.mitre.org/techniques/T1518/',
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceevents-table',
    ],
    falsePositives: [
      'None for the class: every alert is the Defender agent itself. Allowlist the detector if the inventory is not wanted.',
    ],
    kql: {
      unsupported:
        "Recognising Defender's inventory scripts parses the script's arguments from the command line and the script body and rejects bodies with attacker behaviour (the pack's behaviour catalog); that parsing and catalog have no faithful KQL form.",
    },
    tables: ['DeviceEvents'],
    actionTypes: ['ScriptContent'],
    evidence: {
      scriptName: { combine: 'first', label: 'Script Name' },
      path: { combine: 'first', label: 'Script Path' },
      jarPath: { combine: 'first', label: 'Jar Search Path' },
      manifestKeys: { combine: 'first', label: 'Manifest Keys Collected' },
      searchDirs: { combine: 'first', label: 'Search Directories' },
      globalDirs: { combine: 'first', label: 'Global Directories' },
      packages: { combine: 'first', label: 'Packages' },
      ...AGENT_RUN_EVIDENCE,
    },
    columns: AGENT_RUN_COLUMNS,
    messages: {
      default: {
        title: 'Defender software inventory: {scriptName}',
        description:
          'Microsoft Defender for Endpoint ran its inventory script {scriptName} ({path}) {count} time(s) between {firstSeen} and {lastSeen}, started by {parent} as {user} with effective group {group}.',
        riskAssessment:
          'Expected behaviour of the installed EDR (vulnerability-management inventory); no immediate risk. The script was attributed to Defender by its location, its parent process and its effective group — a script of the same name failing any of these is not covered by this alert.',
      },
      jar: {
        title: 'Defender Java archive inventory: {scriptName}',
        description:
          'Microsoft Defender for Endpoint ran its inventory script {scriptName} ({path}) {count} time(s) between {firstSeen} and {lastSeen}, started by {parent} as {user} with effective group {group}. It searches for Java archives and reads their manifest attributes (versions, vendors) so that vulnerable libraries can be matched to advisories.',
        riskAssessment:
          'Expected behaviour of the installed EDR (vulnerability-management inventory); no immediate risk. The script was attributed to Defender by its location, its parent process and its effective group — a script of the same name failing any of these is not covered by this alert.',
      },
      python: {
        title: 'Defender Python package inventory: {scriptName}',
        description:
          'Microsoft Defender for Endpoint ran its inventory script {scriptName} ({path}) {count} time(s) between {firstSeen} and {lastSeen}, started by {parent} as {user} with effective group {group}. It looks for Python environments and their installed packages so that vulnerable packages can be matched to advisories.',
        riskAssessment:
          'Expected behaviour of the installed EDR (vulnerability-management inventory); no immediate risk. The script was attributed to Defender by its location, its parent process and its effective group — a script of the same name failing any of these is not covered by this alert.',
      },
    },
  },

  match(event) {
    const run = agentScriptRun(event, INVENTORY_SCRIPTS);
    if (!run.ok) return undefined;
    const content = scriptContent(event);
    if (suspiciousTraits(content, false).length > 0) return undefined;
    const args = new ScriptArgs(run.words, run.name, content);
    const facts = agentRunEvidence(run);
    if (run.name === JAR_SCRIPT) {
      const keys = args.get(MANIFEST_FLAGS);
      const inBody = keys === undefined ? manifestKeysInContent(content) : [];
      const manifestKeys =
        keys !== undefined
          ? showArg({ ...keys, value: splitList(keys.value).join(', ') })
          : inBody.length
            ? `${inBody.join(', ')} (named in the script body)`
            : 'not in the event';
      return {
        key: run.path,
        variant: 'jar',
        evidence: { ...facts, jarPath: showArg(args.get(JAR_PATH_FLAGS)), manifestKeys },
      };
    }
    const pkgs = args.get(PACKAGE_FLAGS);
    return {
      key: run.path,
      variant: 'python',
      evidence: {
        ...facts,
        searchDirs: showArg(args.get(SEARCH_DIR_FLAGS)),
        globalDirs: showArg(args.get(GLOBAL_DIR_FLAGS)),
        ...(pkgs !== undefined ? { packages: showArg(pkgs) } : {}),
      },
    };
  },
});
