/** Virtual PWM chips: the gateway side is a PwmController, the part side reads and follows channel states. */
export { VirtualPwmController, type VirtualPwmOptions, type VirtualPwmState } from './virtual-pwm.js';
