/**
 * `@tripline/sigmahq`: the SigmaHQ rules, loaded through `@tripline/sigma`.
 * @packageDocumentation
 */
export {};
