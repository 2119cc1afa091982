/**
 * `@tripline/sigma`: Sigma 2.1 rules on Microsoft Defender for Endpoint advanced-hunting rows.
 * @packageDocumentation
 */
export * from './ir.js';
