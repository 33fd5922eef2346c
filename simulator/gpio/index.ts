/** Virtual GPIO header: the gateway side is a GpioController, the part side drives and watches lines. */
export { VirtualGpioController, type BounceOptions, type LineDrive, type Pull, type VirtualGpioOptions } from './virtual-gpio.js';
