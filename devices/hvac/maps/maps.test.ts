import { describe, expect, it } from 'vitest';
import { CHILTRIX_CXI as SIM_CXI, RegisterTable } from '../../../simulator/modbus/index.js';
import { checkUnitMap, rolesOf, type HvacRegister, type HvacUnitMap } from '../unit-map.js';
import { CHILTRIX_CXI } from './index.js';

/** Simulator register names for the device's roles (the simulator's map is the unit's side). */
const SIM_NAME: Readonly<Record<string, string>> = {
  power: 'power',
  mode: 'mode',
  fanSpeed: 'fan_speed',
  setpointMax: 'setpoint_max',
  setpointMin: 'setpoint_min',
  coolingSetpoint: 'setpoint_cooling',
  heatingSetpoint: 'setpoint_heating',
  roomTemperature: 'room_temperature',
  coilTemperature: 'coil_temperature',
  fanSpeedActual: 'fan_speed_actual',
  fanRpm: 'fan_rpm',
  valveOpening: 'valve_opening',
};

describe('Chiltrix CXI map: the device data agrees with the simulated unit', () => {
  const sim = new RegisterTable(SIM_CXI);

  it('is a usable map', () => {
    expect(() => checkUnitMap(CHILTRIX_CXI)).not.toThrow();
  });

  it('has the serial settings and default unit of the public map (9600 8N1, unit 15)', () => {
    expect(CHILTRIX_CXI.serial).toEqual(SIM_CXI.serial);
    expect(CHILTRIX_CXI.defaultUnit).toBe(15);
    expect(SIM_CXI.defaultUnit).toBe(15);
  });

  for (const role of rolesOf(CHILTRIX_CXI)) {
    it(`${role}: address, table, scale, sign, codes and fault value match`, () => {
      const mine = CHILTRIX_CXI.registers[role] as HvacRegister;
      const theirs = sim.named(SIM_NAME[role] ?? role);
      expect(mine.address).toBe(theirs.address);
      expect(mine.table).toBe(theirs.kind);
      expect(mine.scale).toBe(theirs.scale);
      expect(mine.signed).toBe(theirs.signed);
      expect(mine.failedValue).toBe(theirs.faultValue);
      if (mine.values !== undefined) expect(mine.values).toEqual(theirs.labels);
      if (mine.writable) expect(theirs.kind).toBe('holding');
      if (theirs.range !== undefined) {
        // The simulator's raw range, in engineering units.
        expect([mine.min, mine.max]).toEqual([theirs.range.min * theirs.scale, theirs.range.max * theirs.scale]);
      }
    });
  }

  it('bounds the setpoints by the limit registers the simulated unit enforces', () => {
    for (const [role, simName] of [['coolingSetpoint', 'setpoint_cooling'], ['heatingSetpoint', 'setpoint_heating']] as const) {
      const from = sim.named(simName).rangeFrom;
      expect(SIM_NAME[CHILTRIX_CXI.registers[role].minFrom ?? '']).toBe(from?.min);
      expect(SIM_NAME[CHILTRIX_CXI.registers[role].maxFrom ?? '']).toBe(from?.max);
    }
  });

  it('reads every fault-flag register of the simulated unit', () => {
    const simFlags = sim.ofKind('input').filter((r) => r.name.startsWith('fault_flags')).map((r) => r.address);
    expect(CHILTRIX_CXI.faults.map((f) => f.address)).toEqual(simFlags);
  });

  it('checkUnitMap refuses an unbounded writable register and a shared address, naming them', () => {
    const bad = (registers: Partial<HvacUnitMap['registers']>): HvacUnitMap => ({ ...CHILTRIX_CXI, registers: { ...CHILTRIX_CXI.registers, ...registers } });
    const { min: _min, ...unbounded } = CHILTRIX_CXI.registers.coolingSetpoint;
    expect(() => checkUnitMap(bad({ coolingSetpoint: unbounded }))).toThrow(/writable coolingSetpoint needs values or min and max/);
    expect(() => checkUnitMap(bad({ heatingSetpoint: { ...CHILTRIX_CXI.registers.heatingSetpoint, address: 28310 } }))).toThrow(/heatingSetpoint and coolingSetpoint share holding register 28310/);
  });
});
