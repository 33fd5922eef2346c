/** Register maps of the unit types the fan-coil model can stand in for, one file per type. */
export { CHILTRIX_CXI } from './chiltrix-cxi.js';
