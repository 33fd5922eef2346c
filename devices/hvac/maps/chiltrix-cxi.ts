/**
 * Chiltrix CXI fan coil on Modbus RTU over RS-485, 9600 8N1, default unit 15
 * (docs/hardware.md#modbus-fan-coil). Addresses are PDU addresses. Temperatures are signed
 * °C×10; 32767 means the sensor is faulty.
 *
 * From the public map: every address and meaning, the mode codes (0 auto, 1 cool, 2 dry,
 * 3 fan, 4 heat), fan codes (2/3/4, 6 auto), fan rpm 0–2000, the fault value. Not in the
 * public map, and taken from the simulator's map (simulator/modbus/maps/chiltrix-cxi.ts,
 * checked equal by maps.test.ts): the limits' own ranges (max 10–35 °C, min 5–30 °C, so any
 * setpoint lies within 5–35 °C), the fault-flag bits. The fault codes are the gateway's own
 * numbering (register index × 16 + bit + 1): the CXI reports flags, not codes.
 */
import type { HvacRegister, HvacUnitMap } from '../unit-map.js';

const TEMP = { scale: 0.1, signed: true, unit: 'Cel' } as const;
const CODE = { scale: 1, signed: false, unit: '' } as const;
const SENSOR = { ...TEMP, table: 'input', writable: false, failedValue: 32767 } as const;
const SETPOINT = { ...TEMP, table: 'holding', writable: true, min: 5, max: 35, minFrom: 'setpointMin', maxFrom: 'setpointMax' } as const satisfies Partial<HvacRegister>;

export const CHILTRIX_CXI: HvacUnitMap = {
  unitType: 'Chiltrix CXI fan coil',
  source: 'docs/hardware.md#modbus-fan-coil (Chiltrix CXI Modbus map)',
  defaultUnit: 15,
  serial: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  registers: {
    power: { address: 28301, table: 'holding', ...CODE, writable: true, values: { 0: 'off', 1: 'on' }, description: 'on/off' },
    mode: { address: 28302, table: 'holding', ...CODE, writable: true, values: { 0: 'auto', 1: 'cool', 2: 'dry', 3: 'fan', 4: 'heat' }, description: 'operating mode' },
    fanSpeed: { address: 28303, table: 'holding', ...CODE, writable: true, values: { 2: 'low', 3: 'medium', 4: 'high', 6: 'auto' }, description: 'fan speed setting' },
    setpointMax: { address: 28308, table: 'holding', ...TEMP, writable: false, min: 10, max: 35, description: 'highest setpoint the unit accepts (installer setting)' },
    setpointMin: { address: 28309, table: 'holding', ...TEMP, writable: false, min: 5, max: 30, description: 'lowest setpoint the unit accepts (installer setting)' },
    coolingSetpoint: { address: 28310, ...SETPOINT, description: 'cooling setpoint' },
    heatingSetpoint: { address: 28311, ...SETPOINT, description: 'heating setpoint' },
    roomTemperature: { address: 46801, ...SENSOR, description: 'room (return air) temperature' },
    coilTemperature: { address: 46802, ...SENSOR, description: 'coil temperature' },
    fanSpeedActual: { address: 46803, table: 'input', ...CODE, writable: false, values: { 0: 'stopped', 2: 'low', 3: 'medium', 4: 'high' }, description: 'fan speed running' },
    fanRpm: { address: 46804, table: 'input', scale: 1, signed: false, unit: '/min', writable: false, min: 0, max: 2000, description: 'fan speed' },
    valveOpening: { address: 46805, table: 'input', scale: 1, signed: false, unit: '%', writable: false, min: 0, max: 100, description: 'water valve opening' },
  },
  faults: [
    {
      address: 46808,
      table: 'input',
      bits: { 0: { code: 1, text: 'room temperature sensor failed' }, 1: { code: 2, text: 'coil temperature sensor failed' } },
    },
    { address: 46809, table: 'input', bits: { 0: { code: 17, text: 'fan motor failed' } } },
    { address: 46810, table: 'input', bits: {} },
  ],
};
