/**
 * @packageDocumentation
 * `@tripline/detectors-defender`: detectors for Microsoft Defender for Endpoint advanced-hunting
 * events — the alert classes of the tripline reference report, each one folder with its metadata,
 * logic, fixtures and generated doc page. Use the {@link defenderDetectors} preset or pick detectors.
 */
import type { AnyDetector } from '@tripline/core';
import { detector as anomalousLoggedOnUser } from './detectors/anomalous-logged-on-user/detector.js';
import { detector as deviceTypeMismatch } from './detectors/device-type-mismatch/detector.js';
import { detector as duplicateAdapterAddress } from './detectors/duplicate-adapter-address/detector.js';
import { detector as edrAgentRecon } from './detectors/edr-agent-recon/detector.js';
import { detector as edrInventoryScript } from './detectors/edr-inventory-script/detector.js';
import { detector as edrLog4jScan } from './detectors/edr-log4j-scan/detector.js';
import { detector as execProcessReplacement } from './detectors/exec-process-replacement/detector.js';
import { detector as exposedUnmanagedDevice } from './detectors/exposed-unmanaged-device/detector.js';
import { detector as rootCronLogon } from './detectors/root-cron-logon/detector.js';
import { detector as searchIndexSegmentDeletion } from './detectors/search-index-segment-deletion/detector.js';
import { detector as sysstatCollection } from './detectors/sysstat-collection/detector.js';
import { detector as unassignedMachineGroup } from './detectors/unassigned-machine-group/detector.js';
import { detector as unknownSignature } from './detectors/unknown-signature/detector.js';
import { linuxThreatDetectors } from './linux.js';

export { detector as destructiveDeletion } from './detectors/destructive-deletion/detector.js';
export { detector as logonBruteForce } from './detectors/logon-brute-force/detector.js';
export { detector as publicRemoteLogon } from './detectors/public-remote-logon/detector.js';
export { detector as suspiciousCommandLine } from './detectors/suspicious-command-line/detector.js';
export { detector as suspiciousScriptContent } from './detectors/suspicious-script-content/detector.js';
export {
  /** `defender/anomalous-logged-on-user` — implausible LoggedOnUsers names; the utmp LOGIN placeholder told apart. */
  anomalousLoggedOnUser,
  /** `defender/device-type-mismatch` — a server that Defender types as a workstation. */
  deviceTypeMismatch,
  /** `defender/duplicate-adapter-address` — adapters sharing a MAC or IPv6 link-local address. */
  duplicateAdapterAddress,
  /** `defender/edr-agent-recon` — discovery commands run by the Defender agent itself. */
  edrAgentRecon,
  /** `defender/edr-inventory-script` — Defender's own software-inventory scripts. */
  edrInventoryScript,
  /** `defender/edr-log4j-scan` — Defender's own log4j exposure scan. */
  edrLog4jScan,
  /** `defender/exec-process-replacement` — a shell that exec'd its command (same PID, new image). */
  execProcessReplacement,
  /** `defender/exposed-unmanaged-device` — correlation: exposed, unassigned device with other findings. */
  exposedUnmanagedDevice,
  linuxThreatDetectors,
  /** `defender/root-cron-logon` — root sessions opened by the cron daemon, grouped per device. */
  rootCronLogon,
  /** `defender/search-index-segment-deletion` — Lucene segment deletions by the search engine's own JVM. */
  searchIndexSegmentDeletion,
  /** `defender/sysstat-collection` — sysstat's sa1 / debian-sa1 collection scripts. */
  sysstatCollection,
  /** `defender/unassigned-machine-group` — devices in Defender's UnassignedGroup. */
  unassignedMachineGroup,
  /** `defender/unknown-signature` — root processes with Unknown signature status. */
  unknownSignature,
};

/**
 * The Defender preset: every detector of this package — the reference report's alert classes and
 * the Linux threat detectors — sorted by id. Pass it as `detectors` to `analyze`. */
export const defenderDetectors: readonly AnyDetector[] = Object.freeze(
  [
    sysstatCollection,
    edrInventoryScript,
    edrLog4jScan,
    searchIndexSegmentDeletion,
    edrAgentRecon,
    execProcessReplacement,
    unknownSignature,
    rootCronLogon,
    anomalousLoggedOnUser,
    unassignedMachineGroup,
    exposedUnmanagedDevice,
    deviceTypeMismatch,
    duplicateAdapterAddress,
    ...linuxThreatDetectors,
  ].sort((a: AnyDetector, b: AnyDetector) => (a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0)),
);

/** Ids of the detectors in {@link defenderDetectors}, in the same (sorted) order. */
export const DEFENDER_DETECTOR_IDS: readonly string[] = Object.freeze(defenderDetectors.map((d) => d.meta.id));

export {
  type DocFixture,
  type DocFixtures,
  detectorDocFileName,
  renderDetectorIndex,
  renderDetectorPage,
} from './docs.js';
