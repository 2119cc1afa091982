/** The KQL emitter: Sigma rules, correlations and rule files → Kusto queries. */

export { exportSigmaCorrelation } from './correlation.js';
export { exportRuleFile } from './rulefile.js';
export { exportSigma } from './set.js';
export { exportSigmaRule } from './sigma.js';
