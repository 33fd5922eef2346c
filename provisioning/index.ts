/** Factory provisioning (provisioning/README.md): `pia-provision` and its parts. */
export { ProvisioningError, type ProvisioningErrorKind } from '../identity/index.js';
export { burnBoard } from './burn/burn.js';
export { Journal, type JournalEntry } from './burn/journal.js';
export { boardKeyOf, planBurn, type BurnPlan } from './burn/plan.js';
export type { Board, BurnOptions, BurnResult, JournalStore, StationContext, StepLine, StepOutcome } from './burn/types.js';
export { parseBoardSpec, type BoardSpec, type I2cAt } from './cli/board-spec.js';
export { ExitCode, exitCodeFor } from './cli/exit-codes.js';
export { csv, resultRecord, stepText, summaryText } from './cli/output.js';
export { runPiaProvision, type ProvisionIo } from './cli/run-pia-provision.js';
export { openBoard, openStation, phase3Check, type ProvisionDeps, type Station } from './cli/station.js';
export { EnrollClient, type EnrollClientOptions } from './station/enroll-client.js';
