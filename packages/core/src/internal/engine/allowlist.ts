/**
 * The allowlist: configured entries (detector, device and key patterns) that suppress matching alerts.
 * Suppressed alerts are not lost: each entry that suppressed any is named, with a count, in an
 * `alerts-allowlisted` diagnostic.
 */
import { diagnostic } from '../catalog.js';
import type { Alert, Diagnostic } from '../report/types.js';
import { compileGlob, type GlobMatcher } from './glob.js';
import type { AllowlistEntry } from './types.js';

interface CompiledEntry {
  readonly entry: AllowlistEntry;
  readonly detector: GlobMatcher | undefined;
  readonly device: GlobMatcher | undefined;
  readonly key: GlobMatcher | undefined;
}

/** Allowlist entries compiled once, at load. */
export class Allowlist {
  readonly #entries: readonly CompiledEntry[];

  constructor(entries: readonly AllowlistEntry[]) {
    this.#entries = entries.map((entry) => ({
      entry,
      detector: entry.detector ? compileGlob(entry.detector) : undefined,
      device: entry.device ? compileGlob(entry.device) : undefined,
      key: entry.key ? compileGlob(entry.key) : undefined,
    }));
  }

  /** The first entry that matches the alert on every field it gives (the device by name or id), if any. */
  match(alert: Alert): AllowlistEntry | undefined {
    for (const e of this.#entries) {
      if (e.detector && !e.detector.test(alert.detectorId)) continue;
      if (e.device && !e.device.test(alert.device.name) && !e.device.test(alert.device.id)) continue;
      if (e.key && !e.key.test(alert.key)) continue;
      return e.entry;
    }
    return undefined;
  }

  /** The alerts no entry matches, in order, and a diagnostic per entry that suppressed any (in order of its first hit). */
  apply(alerts: readonly Alert[]): { readonly kept: Alert[]; readonly diagnostics: Diagnostic[] } {
    const kept: Alert[] = [];
    const counts = new Map<AllowlistEntry, number>();
    for (const alert of alerts) {
      const allow = this.match(alert);
      if (allow) counts.set(allow, (counts.get(allow) ?? 0) + 1);
      else kept.push(alert);
    }
    const diagnostics: Diagnostic[] = [];
    for (const [entry, n] of counts) {
      diagnostics.push(
        diagnostic('alerts-allowlisted', {
          message: `${n} alert(s) suppressed by allowlist entry: ${entry.reason}`,
        }),
      );
    }
    return { kept, diagnostics };
  }
}
