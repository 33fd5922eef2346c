/** Helpers for tests of the sysfs PWM driver (a kernel stand-in on a temp folder). Not for production code. */
export { FakePwmSysfs, type FakePwmChip, type FakePwmSysfsOptions, type LoggedWrite } from './fake-pwm-sysfs.js';
