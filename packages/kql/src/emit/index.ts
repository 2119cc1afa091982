/** The KQL emitter: Sigma rules, correlations and rule files → Kusto queries. */
export { exportSigma } from './set.js';
export { exportSigmaRule } from './sigma.js';
