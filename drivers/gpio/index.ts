/** GPIO: the line interface, the onoff (sysfs) implementation, and BCM → sysfs numbering. */
export type { Edge, GpioController, GpioInput, GpioInputOptions, GpioKeepOptions, GpioKeptOutput, GpioOutput, GpioOutputOptions, Level } from './types.js';
export { GpioError, type GpioErrorKind } from './errors.js';
export { Debouncer } from './debounce.js';
export {
  PI_GPIO_LABELS,
  SysfsGpioNumbering,
  listGpioChips,
  pickHeaderChip,
  sysfsGpioNumber,
  sysfsNumberOn,
  type GpioChipInfo,
  type SysfsNumberingOptions,
} from './sysfs-numbering.js';
export { readSysfsLine, type SysfsLineState } from './sysfs-line.js';
export {
  OnoffGpioController,
  type LineNumbering,
  type OnoffDirection,
  type OnoffEdge,
  type OnoffGpioConstructor,
  type OnoffGpioControllerOptions,
  type OnoffGpioLike,
  type OnoffOptions,
  type OnoffWatchCallback,
} from './onoff-controller.js';
