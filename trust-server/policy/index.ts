/** Policy as code (types.ts): a reviewable file of groups, owners and grants, with tests. */
export { applyPolicy, checkPolicy, PolicyTestsFailed, type PolicyDeps, type PolicyReport, type PolicyWithdrawal } from './apply.js';
export { exportPolicy } from './export.js';
export { MAX_POLICY_BYTES } from './parse.js';
export { PolicyError } from './types.js';
