import type * as Sarif from 'sarif';
import { DeflateMeter, deflatedBytes, gzippedBytes } from './meter.js';
import { runNarrative } from './narrative.js';
import { cutNotification, notificationDescriptors } from './notifications.js';
import { DEFAULT_INFORMATION_URI, SARIF_SCHEMA_URI } from './options.js';
import { isoTime, type UsedMessageString, withMessageStrings } from './results.js';
import { stringifyElement, stringifySarif } from './stringify.js';
import { cleanText } from './text.js';
import { buildUnit, type Context } from './units.js';

// The plan of a log: how many results fit the limits, measured block by block, and the log assembled around them.

/** Stand-ins for the two long arrays in the log's skeleton; cleaned text never holds U+0000. */
const ARTIFACTS_MARK = '\u0000tripline:artifacts';
const RESULTS_MARK = '\u0000tripline:results';

/** How many units the log keeps, why the others are left out, and the message strings the kept ones use. */
export interface Plan {
  readonly kept: number;
  readonly reason: string;
  readonly used: readonly (UsedMessageString | undefined)[];
}

/**
 * The log without its artifacts and results (`marks`) or with them: the run's tool, rules (with the
 * message strings of the kept results), invocation and notifications (the cut first), properties.
 */
export function assemble(
  ctx: Context,
  kept: number,
  why: string,
  used: readonly (UsedMessageString | undefined)[],
  arrays: { artifacts: unknown; results: unknown },
): Sarif.Log {
  const { result, options, units, covered } = ctx;
  const version = options.toolVersion ?? result.tool.version;
  const start = isoTime(options.invocation?.startTimeUtc);
  const end = isoTime(result.generatedAt);
  const category =
    options.category !== undefined ? cleanText(options.category, { max: 200 }).replace(/\/+$/, '') : undefined;
  const total = covered[units.length]!;
  const inLog = covered[kept]!;
  const cut =
    kept < units.length
      ? cutNotification(
          units.slice(kept).flatMap((u) => u.alerts),
          inLog,
          total,
          why,
        )
      : undefined;
  const toolNotifications = cut ? [cut, ...ctx.notifications] : ctx.notifications;
  const findings = units.slice(0, kept).filter((u) => u.finding !== undefined).length;
  const run: Sarif.Run = {
    tool: {
      driver: {
        name: 'tripline',
        fullName: `tripline ${version} (Microsoft Defender for Endpoint events to alerts)`,
        semanticVersion: version,
        informationUri: options.informationUri ?? DEFAULT_INFORMATION_URI,
        rules: withMessageStrings(ctx.rules, used.slice(0, kept)),
        notifications: notificationDescriptors(),
      },
    },
    ...(category !== undefined && category !== '' ? { automationDetails: { id: `${category}/` } } : {}),
    invocations: [
      {
        executionSuccessful: true,
        ...(start ? { startTimeUtc: start } : {}),
        ...(end ? { endTimeUtc: end } : {}),
        ...(options.invocation?.commandLine !== undefined
          ? { commandLine: cleanText(options.invocation.commandLine, { max: 2000 }) }
          : {}),
        ...(toolNotifications.length > 0 ? { toolExecutionNotifications: [...toolNotifications] } : {}),
      },
    ],
    ...(kept > 0 ? { artifacts: arrays.artifacts as Sarif.Artifact[] } : {}),
    results: arrays.results as Sarif.Result[],
    columnKind: 'utf16CodeUnits',
    properties: {
      tripline: {
        generatedAt: cleanText(result.generatedAt, { max: 40 }),
        summary: result.summary,
        inputs: result.inputs.map((i) => ({
          ...i,
          source: cleanText(i.source, { max: 200 }),
          format: cleanText(i.format, { max: 40 }),
          ...(i.error
            ? {
                error: {
                  code: cleanText(i.error.code, { max: 80 }),
                  message: cleanText(i.error.message, { max: 1000 }),
                },
              }
            : {}),
        })),
        alertsInLog: inLog,
        alertsLeftOut: total - inLog,
        alertsTotal: total,
        ...(findings > 0 ? { fleetFindings: findings } : {}),
        ...(kept < units.length ? { alertsLeftOutReason: why } : {}),
        ...runNarrative(result.narrative),
      },
    },
  };
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

/** The skeleton's text split around the two arrays, and the indentation of their elements. */
interface Skeleton {
  readonly beforeArtifacts: string;
  readonly beforeResults: string;
  readonly afterResults: string;
  readonly hasArtifacts: boolean;
  /** Indentation of an array element, and of the array's closing bracket. */
  readonly indent: string;
  readonly close: string;
}

export function skeleton(
  ctx: Context,
  kept: number,
  why: string,
  used: readonly (UsedMessageString | undefined)[],
): Skeleton {
  const text = stringifySarif(assemble(ctx, kept, why, used, { artifacts: ARTIFACTS_MARK, results: RESULTS_MARK }));
  const a = JSON.stringify(ARTIFACTS_MARK);
  const r = JSON.stringify(RESULTS_MARK);
  const [head, tail, ...extra] = text.split(r);
  if (head === undefined || tail === undefined || extra.length > 0) throw new Error('SARIF skeleton: results mark');
  const parts = head.split(a);
  if (parts.length > 2 || (parts.length === 2) !== kept > 0) throw new Error('SARIF skeleton: artifacts mark');
  const lineStart = head.lastIndexOf('\n') + 1;
  const close = /^ */.exec(head.slice(lineStart))![0];
  return {
    beforeArtifacts: parts.length === 2 ? parts[0]! : '',
    beforeResults: parts.length === 2 ? parts[1]! : parts[0]!,
    afterResults: tail,
    hasArtifacts: parts.length === 2,
    indent: `${close}  `,
    close,
  };
}

/** The skeleton's text as one string (what its gzip size is measured on). */
function skeletonText(s: Skeleton): string {
  return s.beforeArtifacts + s.beforeResults + s.afterResults;
}

/** An array element as written in the log: a separator unless it is the first, the indentation, the element. */
export function element(value: unknown, first: boolean, indent: string): string {
  return `${first ? '' : ',\n'}${indent}${stringifyElement(value, indent)}`;
}

/** A measured point of the planning pass: units before it, compressed bytes and windows of both arrays. */
interface Checkpoint {
  readonly unit: number;
  readonly artifacts: number;
  readonly a: number;
  readonly r: number;
  readonly aWindow: Buffer;
  readonly rWindow: Buffer;
}

/** Raw bytes per measured block of the planning pass. Exported for tests (small blocks, many checkpoints). */
export const PLAN_BLOCK_CHARS = 1 << 20;
/**
 * The margin of the size estimate. The skeleton and the two arrays are measured apart; one gzip of the
 * whole file was found up to 1 % larger than the sum (zlib's blocks straddle where the kinds of
 * content change), so the arrays' estimate is raised by 2 % and every estimate by 1 KiB.
 */
const SIZE_FACTOR = 1.02;
const SIZE_SLACK = 1024;

/**
 * Decides, in one pass over the results, how many fit the limits. Each unit is built and serialised
 * once; the serialised artifacts and results are fed to two deflate meters (one per array, as they sit
 * in the file) in blocks of `blockChars`, each block measured once. The skeleton (rules, invocation,
 * properties) is measured separately. When the log fits, that is all. When it does not, the
 * checkpoint where it stops fitting is found from the recorded block sizes, and only the units of that
 * one block are built again to find the last one that fits, each probe measuring only that block.
 */
export function planSarif(ctx: Context, blockChars = PLAN_BLOCK_CHARS): Plan {
  const { units, limits } = ctx;
  const m = Math.min(units.length, Math.max(0, Math.floor(limits.maxResults)));
  const countReason = m < units.length ? `limit of ${limits.maxResults} results per run` : '';
  const used: (UsedMessageString | undefined)[] = [];
  const layout = skeleton(ctx, m, countReason, used);
  const indent = layout.indent;
  const A = new DeflateMeter();
  const R = new DeflateMeter();
  const empty = Buffer.alloc(0);
  const checkpoints: Checkpoint[] = [{ unit: 0, artifacts: 0, a: 0, r: 0, aWindow: empty, rWindow: empty }];
  let artifacts = 0;
  for (let i = 0; i < m; i++) {
    const out = buildUnit(ctx, units[i]!, artifacts);
    for (const artifact of out.artifacts) A.add(element(artifact, artifacts++ === 0, indent));
    R.add(element(out.result, i === 0, indent));
    used.push(out.messageString);
    if (A.pendingLength + R.pendingLength >= blockChars || i === m - 1) {
      A.flush();
      R.flush();
      checkpoints.push({ unit: i + 1, artifacts, a: A.done, r: R.done, aWindow: A.window, rWindow: R.window });
      // Already over the limit without the skeleton: the cut is at or before this point.
      if (A.done + R.done > limits.maxGzipBytes) break;
    }
  }
  const fits = (k: number, bytes: number, why: string) =>
    gzippedBytes(skeletonText(skeleton(ctx, k, why, used))) + Math.ceil(bytes * SIZE_FACTOR) + SIZE_SLACK <=
    limits.maxGzipBytes;
  const last = checkpoints[checkpoints.length - 1]!;
  const why = `limit of ${limits.maxGzipBytes} bytes of gzip-compressed SARIF${countReason ? ` and ${countReason}` : ''}`;
  if (checkpoints.length === 1) {
    // No results to keep (none, or a limit of 0 results): nothing is left out for size.
    return { kept: 0, reason: m < units.length ? countReason : '', used };
  }
  if (last.unit === m && fits(m, last.a + last.r, countReason)) return { kept: m, reason: countReason, used };

  // The last checkpoint does not fit: find the last one that does (the first, with nothing, is the floor).
  let lo = 0;
  let hi = checkpoints.length - 2;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const c = checkpoints[mid]!;
    if (fits(c.unit, c.a + c.r, why)) lo = mid;
    else hi = mid - 1;
  }
  const from = checkpoints[lo]!;
  const to = checkpoints[lo + 1]!;
  // Build the units of the block after it again, and find the last of them that fits.
  const aPieces: string[][] = [];
  const rPieces: string[] = [];
  let index = from.artifacts;
  for (let i = from.unit; i < to.unit; i++) {
    const out = buildUnit(ctx, units[i]!, index);
    aPieces.push(out.artifacts.map((artifact) => element(artifact, index++ === 0, indent)));
    rPieces.push(element(out.result, i === 0, indent));
  }
  const bytesAt = (k: number) =>
    from.a +
    deflatedBytes(aPieces.slice(0, k - from.unit).flat(), from.aWindow) +
    from.r +
    deflatedBytes(rPieces.slice(0, k - from.unit), from.rWindow);
  let klo = from.unit;
  let khi = to.unit - 1;
  while (klo < khi) {
    const mid = Math.ceil((klo + khi) / 2);
    if (fits(mid, bytesAt(mid), why)) klo = mid;
    else khi = mid - 1;
  }
  return { kept: klo, reason: klo < units.length ? why : '', used: used.slice(0, klo) };
}
