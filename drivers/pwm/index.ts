/** PWM: the channel interface, the sysfs implementation, and the settings rules both drivers share. */
export type { Polarity, PwmChannel, PwmController, PwmSettings } from './types.js';
export { PwmError, channelRangeError, pwmWriteError, type PwmErrorKind } from './errors.js';
export {
  FRESH_CHANNEL,
  applyWrite,
  highFraction,
  planWrites,
  validateSettings,
  type PwmFile,
  type PwmHwState,
  type PwmWrite,
} from './settings.js';
export { nodeSysfs, type SysfsFs } from './sysfs-fs.js';
export { SysfsPwmController, type SysfsPwmOptions } from './sysfs-pwm.js';
