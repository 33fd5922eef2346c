/** The board label printed by `pia-provision`: QR payload, PNG and terminal rendering. */
export type { LabelContent } from './content.js';
export { checkLabelContent, MAX_LABEL_BYTES } from './content.js';
export { labelPayload, parseLabelPayload, LabelPayloadError, PAYLOAD_PREFIX } from './payload.js';
export { renderLabel, writeLabelPng, qrMatrix, ERROR_CORRECTION, type RenderOptions, type RenderedLabel } from './label.js';
export type { TerminalBackground } from './terminal-qr.js';
