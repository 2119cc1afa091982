/**
 * Linux threat detectors: the attacks that the benign classes of the reference report (sysstat,
 * the Defender agent's scripts, Lucene segment deletion, cron logons, exec replacement) must never
 * swallow. Wired into the Defender preset by the package barrel.
 */
import type { AnyDetector } from '@tripline/core';
import { detector as destructiveDeletion } from './detectors/destructive-deletion/detector.js';
import { detector as logonBruteForce } from './detectors/logon-brute-force/detector.js';
import { detector as publicRemoteLogon } from './detectors/public-remote-logon/detector.js';
import { detector as suspiciousCommandLine } from './detectors/suspicious-command-line/detector.js';
import { detector as suspiciousScriptContent } from './detectors/suspicious-script-content/detector.js';

/** The five Linux threat detectors, in id order. */
export const linuxThreatDetectors: readonly AnyDetector[] = Object.freeze([
  destructiveDeletion,
  logonBruteForce,
  publicRemoteLogon,
  suspiciousCommandLine,
  suspiciousScriptContent,
]);
