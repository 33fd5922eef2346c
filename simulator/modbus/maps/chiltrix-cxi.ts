/**
 * Chiltrix CXI fan-coil unit on Modbus RTU over RS-485: register map as data
 * (docs/hardware.md#modbus-fan-coil). Addresses are PDU addresses (what goes on the wire;
 * mbpoll `-0`).
 *
 * Serial: the CXI runs 9600 8N1, default unit 15. Modbus over Serial Line §2.5.1 makes even
 * parity the default and asks for 2 stop bits without parity; the CXI does neither, so a
 * master must be set to 8N1 for it (pia-sim defaults to 8N1 and accepts --parity).
 *
 * Listed by the public map: the addresses and meanings below. Chosen here, because the public
 * map does not say: power-up values, the setpoint limits' own ranges (10–35 °C / 5–30 °C),
 * the rpm of each fan step, and the bit meanings of the three fault-flag registers.
 */
import type { UnitRegisterMap } from '../register-map.js';

const TEMP = { scale: 0.1, signed: true, unit: '°C' } as const;
const CODE = { scale: 1, signed: false, unit: '' } as const;

export const CHILTRIX_CXI: UnitRegisterMap = {
  unitType: 'Chiltrix CXI fan coil',
  source: 'docs/hardware.md#modbus-fan-coil (Chiltrix CXI Modbus map)',
  defaultUnit: 15,
  serial: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  registers: [
    { address: 28301, name: 'power', kind: 'holding', description: 'on/off', ...CODE, allowed: [0, 1], initial: 0, labels: { 0: 'off', 1: 'on' } },
    {
      address: 28302,
      name: 'mode',
      kind: 'holding',
      description: 'operating mode',
      ...CODE,
      allowed: [0, 1, 2, 3, 4],
      initial: 1,
      labels: { 0: 'auto', 1: 'cool', 2: 'dry', 3: 'fan', 4: 'heat' },
    },
    {
      address: 28303,
      name: 'fan_speed',
      kind: 'holding',
      description: 'fan speed setting',
      ...CODE,
      allowed: [2, 3, 4, 6],
      initial: 6,
      labels: { 2: 'low', 3: 'medium', 4: 'high', 6: 'auto' },
    },
    { address: 28308, name: 'setpoint_max', kind: 'holding', description: 'highest allowed setpoint', ...TEMP, range: { min: 100, max: 350 }, rangeFrom: { min: 'setpoint_min' }, initial: 300 },
    { address: 28309, name: 'setpoint_min', kind: 'holding', description: 'lowest allowed setpoint', ...TEMP, range: { min: 50, max: 300 }, rangeFrom: { max: 'setpoint_max' }, initial: 160 },
    {
      address: 28310,
      name: 'setpoint_cooling',
      kind: 'holding',
      description: 'cooling setpoint',
      ...TEMP,
      rangeFrom: { min: 'setpoint_min', max: 'setpoint_max' },
      initial: 240,
    },
    {
      address: 28311,
      name: 'setpoint_heating',
      kind: 'holding',
      description: 'heating setpoint',
      ...TEMP,
      rangeFrom: { min: 'setpoint_min', max: 'setpoint_max' },
      initial: 210,
    },
    { address: 28321, name: 'unit_address', kind: 'holding', description: 'Modbus unit address', ...CODE, range: { min: 1, max: 247 }, initial: 15 },
    { address: 46801, name: 'room_temperature', kind: 'input', description: 'room (return air) temperature', ...TEMP, faultValue: 32767 },
    { address: 46802, name: 'coil_temperature', kind: 'input', description: 'coil temperature', ...TEMP, faultValue: 32767 },
    { address: 46803, name: 'fan_speed_actual', kind: 'input', description: 'fan speed running', ...CODE, labels: { 0: 'stopped', 2: 'low', 3: 'medium', 4: 'high' } },
    { address: 46804, name: 'fan_rpm', kind: 'input', description: 'fan speed', scale: 1, signed: false, unit: 'rpm', range: { min: 0, max: 2000 } },
    { address: 46805, name: 'valve_opening', kind: 'input', description: 'water valve opening', scale: 1, signed: false, unit: '%', range: { min: 0, max: 100 } },
    { address: 46808, name: 'fault_flags_1', kind: 'input', description: 'sensor faults: bit0 room sensor, bit1 coil sensor', ...CODE },
    { address: 46809, name: 'fault_flags_2', kind: 'input', description: 'fan faults: bit0 fan motor', ...CODE },
    { address: 46810, name: 'fault_flags_3', kind: 'input', description: 'other faults (none modelled: 0)', ...CODE },
  ],
};
