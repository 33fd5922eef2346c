/** Lighting: a relay-switched circuit with optional PWM dimming. */
export { createLighting, type LightingOptions, type LightingDimmer, type LightingState } from './lighting.js';
