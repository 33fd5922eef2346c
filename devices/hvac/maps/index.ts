/** Register maps of the HVAC units the gateway knows, one file per unit type. */
export { CHILTRIX_CXI } from './chiltrix-cxi.js';
