/** The gateway's access policy: the phase and the grant each request needs (policy.ts). */
export { covers, decide, describeWho, selectorMatches, type Access, type Decision, type DevicePolicy, type PolicyRequest } from './policy.js';
