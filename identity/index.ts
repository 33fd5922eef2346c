/**
 * Where a board keeps its PIA identity (node ID, label, kind, the trusted server it belongs to,
 * and its key): one interface, three stores (ATECC608, HAT EEPROM, a 0600 file). The factory
 * station writes them (provisioning/); the gateway reads its identity from them (firmware/).
 */
export { ProvisioningError, type ProvisioningErrorKind } from './errors.js';
export type { BoardIdentity, IdentityStore, StepOutcome, StepReporter, StoreState } from './types.js';
export { Atecc608IdentityStore, ATECC608_STEPS, type Atecc608StoreOptions } from './atecc608-store.js';
export { HatEepromIdentityStore, HAT_EEPROM_STEP, type HatEepromStoreOptions } from './hat-eeprom-store.js';
export { FileIdentityStore, FILE_STEP, type FileStoreOptions, type FileStoreFs } from './file-store.js';
export { encodeIdentityRecord, decodeIdentityRecord, RECORD_MAGIC, RECORD_VERSION, MAX_LABEL_BYTES } from './atecc608-record.js';
export { configProblem, piaConfigImage, ID_SLOT_CONFIG, ID_KEY_CONFIG } from './atecc608-layout.js';
export { buildHatImage, classifyHatImage, HAT_DEFAULTS, type HatContent, type HatImageOptions } from './hat-eeprom-image.js';
export { checkIdentity, checkKey, identityFromJson, sameIdentity, describeIdentity } from './identity.js';
