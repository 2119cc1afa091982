export { type CheckKqlOptions, checkKql } from './check.js';
export {
  type KqlInput,
  type KqlResult,
  type KqlResultRow,
  type RunKqlOptions,
  runKql,
} from './interpret.js';
export {
  type CheckKqlAllOptions,
  checkKqlAll,
  checkWorkerCount,
  type KqlCheckJob,
  QUERIES_PER_WORKER,
} from './pool.js';
export { KqlRunError } from './run-error.js';
export { type SubsetViolation, subsetViolations } from './subset.js';
