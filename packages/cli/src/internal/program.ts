import { INPUT_FORMATS, SEVERITIES, TABLE_NAMES } from '@tripline/core';
import { CUSTOM_DETECTION_PERIODS, KQL_TARGETS } from '@tripline/kql';
import { Command, Option } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { type AnalyzeCommandOptions, analyzeCommand } from './analyze.js';
import {
  detectorOptions,
  isoArg,
  llmTimeoutArg,
  severityArg,
  sigmaSelectOptions,
  timeZoneArg,
  workersArg,
} from './args.js';
import { type DetectorsCommandOptions, detectorsCommand } from './detectors.js';
import type { ExitCode } from './errors.js';
import { type ExportKqlOptions, exportKqlCommand } from './export-kql.js';
import type { CliIo } from './io.js';
import { DEFAULT_KEY_ENV, DEFAULT_TIMEOUT_SECONDS } from './narrate.js';
import { type RenderCommandOptions, renderCommand } from './render.js';
import { REPORT_FORMATS } from './render-report.js';
import { type RulesCheckOptions, rulesCheckCommand } from './rules-check.js';
import {
  type StateCommandOptions,
  type SuppressCommandOptions,
  stateListCommand,
  stateSuppressCommand,
  stateUnsuppressCommand,
} from './state.js';
import { addStreamCommand } from './stream.js';

/** The version of the `tripline` package. */
export const CLI_VERSION: string = packageJson.version;

const ANALYZE_HELP = `
Inputs:
  Each FILE is read in the format detected for it (NDJSON or storage-account PT1H.json, Event Hub
  message, advanced hunting API or Graph answer, Sentinel/Log Analytics rows, portal CSV).
  With no FILE, or with -, events are read from stdin.

Exit status:
  0  the run completed
  1  --fail-on was reached: an alert at or above that severity is in the report (with
     --state: an alert at or above it is new or escalated in this batch)
  2  usage error, nothing readable, or the report could not be written (bad option or
     configuration, no input could be read, a write error on stdout or --output)
  3  some inputs could not be read: each is named on stderr and in the report, which covers
     the others (1 takes precedence when --fail-on is reached on what was read)

Environment:
  SOURCE_DATE_EPOCH  fix the report's generatedAt (seconds since the epoch), unless --generated-at

Examples:
  tripline analyze events.ndjson
  tripline analyze --format sarif --output tripline.sarif exports/*.json
  tripline analyze --rules ./rules --detectors @acme/tripline-detectors events.ndjson
  tripline analyze --detectors @tripline/sigmahq events.ndjson
  tripline analyze --state bot-state.json --format json --fail-on high batch-0042.json
  az monitor log-analytics query … | tripline analyze --format json --fail-on high -
`;

const RENDER_HELP = `
The output is byte for byte what analyze writes in that format for the same run. A report of
schema version 1.0 lacks the message templates, devices and detectors a report is rendered from,
and is refused: re-run analyze --format json on the inputs.

Exit status:
  0  the report was rendered
  2  usage error, the report is not a valid JSON report of this schema version, or the output
     could not be written

Examples:
  tripline analyze --format json --output run.json events.ndjson
  tripline render run.json --format sarif --output tripline.sarif
`;

const EXPORT_KQL_HELP = `
Each Sigma rule (and correlation) and each tripline rule file of --rules is exported from the same
compiled form tripline analyze runs, and so are the Sigma rules of a --detectors module whose detectors
@tripline/sigma compiled (--detectors @tripline/sigmahq); every other detector (built-in, --detectors)
is exported from the query it declares (meta.kql). What cannot be exported faithfully is listed with a
code and the reason.
Every query is checked offline by the Kusto language service before it is written.

Targets:
  advanced-hunting  <dir>/advanced-hunting/<id>.kql: a comment header, then the query
  custom-detection  <dir>/custom-detection/<id>.json: the Microsoft Graph detectionRule body
                    (POST https://graph.microsoft.com/beta/security/rules/detectionRules)
  sentinel          <dir>/sentinel/<id>.yaml: a Microsoft Sentinel scheduled analytic rule

Exit status:
  0  every exportable rule was written (refused rules are listed, they are no error)
  1  a query failed the check: it was not written (the others were)
  2  usage error, a rule or module that does not load, or a file that could not be written

Examples:
  tripline export kql --rules ./sigma --target advanced-hunting --output kql
  tripline export kql --no-builtin --rules ./sigma --target sentinel --output out --format json

Docs: docs/kql.md in the tripline repository.`;

/** The `tripline` program: its commands, their options and help, each action reporting its exit status to `setExit`. */
export function buildProgram(io: CliIo, setExit: (code: ExitCode) => void): Command {
  const program = new Command('tripline')
    .description('Microsoft Defender for Endpoint advanced-hunting events in; security alerts and reports out.')
    .version(CLI_VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      // Errors are printed by run() in the one `tripline: …` form.
      outputError: () => undefined,
    })
    .addHelpText(
      'after',
      `
Exit status: 0 ran, 1 --fail-on reached, 2 usage error, nothing readable or output error,
3 some inputs could not be read.
Docs: docs/cli.md and docs/configuration.md in the tripline repository.`,
    );

  program
    .command('analyze')
    .description('analyse advanced-hunting events and write a report (Markdown by default) to stdout or --output')
    .argument('[files...]', 'event files; - or none reads stdin')
    .addOption(new Option('-f, --format <format>', 'report format').choices(REPORT_FORMATS).default('markdown'))
    .option('-o, --output <path>', 'write the report to this file instead of stdout')
    .option('--compact', 'with --format json: the report on one line (for machines), not indented')
    .addOption(
      new Option('--workers <n>', 'analyse in N threads (N - 1 workers), devices split between them (same report)')
        .argParser(workersArg)
        .default(1),
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        `exit 1 when an alert at or above this severity is reported (${SEVERITIES.join(', ')})`,
      ).argParser(severityArg),
    )
    .addOption(
      new Option(
        '--min-severity <severity>',
        'report only alerts at or above this severity (overrides minSeverity of --config)',
      ).argParser(severityArg),
    )
    .option('-c, --config <path>', 'run configuration, JSON or YAML (see docs/configuration.md)')
    .addOption(
      new Option('--input-format <format>', 'input format of every input').choices(INPUT_FORMATS).default('auto'),
    )
    .addOption(
      new Option(
        '--table <table>',
        'table of rows that name none (single-table exports whose columns are too few to infer it)',
      ).choices(TABLE_NAMES),
    )
    .addOption(
      new Option(
        '--timezone <zone>',
        'IANA time zone of times an export wrote in local time (Log Analytics "[Local Time]" CSV, portal display dates); overrides timezone of --config',
      ).argParser(timeZoneArg),
    )
    .addOption(
      new Option('--generated-at <time>', 'fix the report time (ISO-8601) for reproducible reports').argParser(isoArg),
    )
    .option(
      '--state <path>',
      'incremental run: keep alert state in PATH (PATH.json: a JSON file; any other path: SQLite) and report only what changed since the last run (docs/state.md)',
    )
    .option('--no-progress', 'never draw the progress line (it is drawn only when stderr is a terminal)')
    .option(
      '--narrate',
      'add a narrative written by a language model, every sentence checked against the evidence (sends the fact sheet to --llm-url; docs/narrative.md)',
    )
    .option(
      '--llm-url <url>',
      'with --narrate: the OpenAI-compatible API base (https://api.openai.com/v1, http://127.0.0.1:11434/v1…)',
    )
    .option('--llm-model <name>', 'with --narrate: the model to ask for')
    .option(
      '--llm-key-env <name>',
      `with --narrate: the environment variable holding the API key (default ${DEFAULT_KEY_ENV})`,
    )
    .addOption(
      new Option(
        '--llm-timeout <seconds>',
        `with --narrate: seconds allowed for one request (default ${DEFAULT_TIMEOUT_SECONDS})`,
      ).argParser(llmTimeoutArg),
    )
    .addOption(detectorOptions()[0])
    .addOption(detectorOptions()[1])
    .addOption(detectorOptions()[2])
    .addOption(detectorOptions()[3])
    .addOption(detectorOptions()[4])
    .option('-q, --quiet', 'print nothing on stderr but errors')
    .option('--debug', 'print stack traces of errors')
    .addHelpText('after', ANALYZE_HELP)
    .action(async (files: string[], opts: AnalyzeCommandOptions) => {
      setExit(await analyzeCommand(files, opts, io));
    });

  program
    .command('render')
    .description('render a saved JSON report (of analyze --format json) as Markdown, SARIF or JSON')
    .argument('<report>', 'the JSON report; - reads stdin')
    .addOption(new Option('-f, --format <format>', 'report format').choices(REPORT_FORMATS).default('markdown'))
    .option('-o, --output <path>', 'write the report to this file instead of stdout')
    .option('--compact', 'with --format json: the report on one line (for machines), not indented')
    .option('-q, --quiet', 'print nothing on stderr but errors')
    .option('--debug', 'print stack traces of errors')
    .addHelpText('after', RENDER_HELP)
    .action(async (report: string, opts: RenderCommandOptions) => {
      setExit(await renderCommand(report, opts, io));
    });

  const detectors = program
    .command('detectors')
    .description('list the detectors a run would load: id, severity, ATT&CK techniques, tables, origin')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--json', 'same as --format json (with titles, categories and ActionTypes)')
    .option('-c, --config <path>', 'run configuration whose rules, modules and builtin keys apply');
  for (const option of detectorOptions()) detectors.addOption(option);
  detectors.option('--debug', 'print stack traces of errors').action(async (opts: DetectorsCommandOptions) => {
    setExit(await detectorsCommand(opts, io));
  });

  program
    .command('rules')
    .description('work with rule files (detectors written as YAML or JSON)')
    .command('check')
    .description('validate rule files and run their fixtures; print the load report of Sigma rules')
    .argument('<paths...>', 'rule files or folders of rule files (tripline or Sigma, told apart per file)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--strict', 'a Sigma rule that is skipped or degraded fails the check (exit 1)')
    .addOption(sigmaSelectOptions('of the paths')[0])
    .addOption(sigmaSelectOptions('of the paths')[1])
    .option('--debug', 'print stack traces of errors')
    .addHelpText(
      'after',
      `
Exit status:
  0  every rule loaded and passed its fixtures (Sigma rules skipped or degraded
     are listed with their reasons but do not fail the check without --strict;
     rules left out by --sigma-level or --sigma-status are counted, not listed)
  1  a fixture failed, or --strict and a Sigma rule was skipped or degraded
  2  a rule file could not be loaded (the message names file:line:column and the field),
     a Sigma file that is not valid YAML or not a valid Sigma document included;
     --sigma-level or --sigma-status without a Sigma file among the paths

Docs: docs/rules.md in the tripline repository.`,
    )
    .action(async (paths: string[], opts: RulesCheckOptions) => {
      setExit(await rulesCheckCommand(paths, opts, io));
    });

  const exportCommand = program
    .command('export')
    .description('export detections to run elsewhere (kql: Defender advanced hunting, custom detections, Sentinel)');
  const kql = exportCommand
    .command('kql')
    .description(
      'write each Sigma rule and each detector that declares a query as a checked Kusto artefact (one file per rule)',
    )
    .addOption(new Option('--target <target>', 'what to write').choices(KQL_TARGETS).makeOptionMandatory())
    .requiredOption('-o, --output <dir>', 'folder to write into (the files go to <dir>/<target>/)')
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'))
    .addOption(
      new Option(
        '--period <period>',
        'custom detections: how often the rule runs (0 = near-real-time; default: the shortest whose lookback covers the query window)',
      ).choices(CUSTOM_DETECTION_PERIODS),
    );
  for (const option of detectorOptions()) kql.addOption(option);
  kql
    .option('--debug', 'print stack traces of errors')
    .addHelpText('after', EXPORT_KQL_HELP)
    .action(async (opts: ExportKqlOptions) => {
      setExit(await exportKqlCommand(opts, io));
    });
  const state = program
    .command('state')
    .description('the state of incremental runs (analyze --state): list it, acknowledge and suppress alerts')
    .addHelpText(
      'after',
      `
PATH ending in .json is a JSON-file store; any other path a SQLite database (docs/state.md).

Exit status: 0 done, 2 usage error, or the state cannot be read or written.

Examples:
  tripline state list --state bot-state.json
  tripline state ack --state bot-state.json --alert 3f2a9c0d1e4b5a69 --reason "ticket SEC-12" --author alice
  tripline state suppress --state bot-state.json --detector "sigma/*" --device "build-*" --reason "CI runners" --expires P30D
  tripline state unsuppress --state bot-state.json sup-1

Docs: docs/state.md in the tripline repository.`,
    );
  const stateOptions = (command: Command): Command =>
    command
      .requiredOption('--state <path>', 'the state store (PATH.json: a JSON file; any other path: SQLite)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('--debug', 'print stack traces of errors');
  stateOptions(state.command('list').description('list the alerts, suppressions and waiting notifications')).action(
    async (opts: StateCommandOptions) => {
      setExit(await stateListCommand(opts, io));
    },
  );
  for (const action of ['acknowledge', 'suppress'] as const) {
    const name = action === 'acknowledge' ? 'ack' : 'suppress';
    stateOptions(
      state
        .command(name)
        .description(
          action === 'acknowledge'
            ? 'acknowledge alerts: updates, repeats and resolutions stop notifying; escalations still notify'
            : 'suppress alerts: nothing about them notifies while the suppression applies',
        ),
    )
      .option('--alert <id>', 'alert id (or a pattern with *)')
      .option('--detector <pattern>', 'detector id pattern (* matches any run of characters)')
      .option('--device <pattern>', 'device name or id pattern')
      .option('--key <pattern>', 'alert subject key pattern')
      .requiredOption('--reason <text>', 'why (shown in every change it causes)')
      .option('--author <name>', 'who (default: the USER environment variable)')
      .option('--expires <time>', 'until when: an ISO-8601 time or a duration from now (P7D, PT8H)')
      .action(async (opts: SuppressCommandOptions) => {
        setExit(await stateSuppressCommand(action, opts, io));
      });
  }
  stateOptions(
    state
      .command('unsuppress')
      .description('remove a suppression or acknowledgement by id')
      .argument('<id>', 'its id (sup-N or ack-N, as state list shows)'),
  ).action(async (id: string, opts: StateCommandOptions) => {
    setExit(await stateUnsuppressCommand(id, opts, io));
  });

  addStreamCommand(program, detectorOptions(), io, setExit);
  return program;
}
