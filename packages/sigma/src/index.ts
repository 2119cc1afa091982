/**
 * `@tripline/sigma`: Sigma 2.1 rules on Microsoft Defender for Endpoint advanced-hunting rows.
 * @packageDocumentation
 */
export * from './ir.js';
export {
  MDE_MAPPING_VERSION,
  type MdeFieldEntry,
  type MdeMappingOptions,
  type MdeMappingTable,
  mdeMapping,
  mdeMappingTable,
  renderMdeMappingDoc,
} from './mapping/index.js';
