/** Virtual parts on GPIO and PWM lines: a 4-pin fan, a door strike with contact and exit button, a lighting relay. */
export { VirtualFan, type FanFault, type FanOptions } from './fan.js';
export { VirtualDoor, CONTACT_CLOSED, CONTACT_OPEN, type DoorEvent, type DoorOptions, type LockType } from './door.js';
export { VirtualLighting, type LightingOptions, type LightingState } from './lighting.js';
