/**
 * @packageDocumentation
 * ACME's detectors for tripline. Pass {@link acmeDetectors} next to (or instead of) the Defender preset:
 * `analyze(inputs, { detectors: [...defenderDetectors, ...acmeDetectors] })`.
 */
import type { AnyDetector } from '@tripline/core';
import { detector as downloadToDevShm } from './detectors/download-to-dev-shm/detector.js';
import { detector as sshKeyByServiceAccount } from './detectors/ssh-key-by-service-account/detector.js';

export {
  /** `acme/download-to-dev-shm` — wget or curl writing a download into /dev/shm. */
  downloadToDevShm,
  /** `acme/ssh-key-by-service-account` — authorized_keys written by a service account. */
  sshKeyByServiceAccount,
};

/** Every ACME detector, sorted by id. */
export const acmeDetectors: readonly AnyDetector[] = Object.freeze([downloadToDevShm, sshKeyByServiceAccount]);
