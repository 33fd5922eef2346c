/** Test helpers for the identity stores, for tests here and in provisioning (test code only). */
export { PowerCut, PowerCutError, cuttableBus } from './power-cut.js';
