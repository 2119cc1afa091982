import { ATTACK_VERSION, TECHNIQUES } from './techniques.generated.js';

export { ATTACK_VERSION };

const ID_RE = /^T\d{4}(\.\d{3})?$/;

/** The full name of an active ATT&CK Enterprise technique, or undefined when unknown, deprecated or revoked. */
export function techniqueName(id: string): string | undefined {
  return TECHNIQUES.get(id);
}

/** True when `id` is an active ATT&CK Enterprise technique id of the shipped table. */
export function isKnownTechnique(id: string): boolean {
  return ID_RE.test(id) && TECHNIQUES.has(id);
}

/** Link to a technique's page on attack.mitre.org. */
export function techniqueUrl(id: string): string {
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}
