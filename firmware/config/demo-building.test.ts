/**
 * examples/demo-building.yaml describes the virtual building exactly (simulator/building.ts):
 * a change to either side that the other does not follow fails here.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { BUILDING_LINES, BUILDING_PWM, createVirtualBuilding } from '../../simulator/index.js';
import { loadGatewayConfig } from './load.js';
import type { DeviceConfig } from './types.js';

const DEMO = fileURLToPath(new URL('./examples/demo-building.yaml', import.meta.url));
const config = loadGatewayConfig(DEMO);
const building = createVirtualBuilding({ clock: new ManualClock() });
afterAll(() => building.close());

function only<K extends DeviceConfig['kind']>(kind: K): DeviceConfig & { kind: K } {
  const found = config.devices.filter((d): d is DeviceConfig & { kind: K } => d.kind === kind);
  expect(found, `one ${kind} in the demo file`).toHaveLength(1);
  return found[0]!;
}

describe('the demo building file matches simulator/building.ts', () => {
  it('loads with no warnings and has one device of every kind', () => {
    expect(config.warnings).toEqual([]);
    expect(new Set(config.devices.map((d) => d.kind))).toEqual(new Set(['thermometer', 'fan', 'door', 'safe', 'lighting', 'hvac', 'camera']));
  });

  it('thermometers: the parts and I2C addresses on i2c-1', () => {
    const { sht31, mcp9808, bme280, tmp102 } = building.parts;
    const onBus1 = [sht31, mcp9808, bme280, tmp102].map((p) => ({ part: p.part.toLowerCase(), bus: 1, address: p.address }));
    const configured = config.devices.filter((d) => d.kind === 'thermometer').map((d) => ({ part: d.part, bus: d.i2c.bus, address: d.i2c.address }));
    expect(configured).toEqual(onBus1);
    for (const t of configured) expect(building.host.i2c.get(t.bus)).toBeDefined();
  });

  it('fan: PWM channel, tachometer line, the name', () => {
    const fan = only('fan');
    expect(fan.pwm).toEqual({ chip: BUILDING_PWM.chip, channel: BUILDING_PWM.fan });
    expect(fan.tachLine).toBe(BUILDING_LINES.fanTach);
    expect(fan.name).toBe(building.parts.fan.name);
    expect(fan.temperature?.source).toBe('rack-temp');
  });

  it('door and safe: relay, contact and exit lines, lock type, names', () => {
    const door = only('door');
    const safe = only('safe');
    expect([door.relayLine, door.contactLine, door.exitLine]).toEqual([BUILDING_LINES.doorRelay, BUILDING_LINES.doorContact, BUILDING_LINES.doorExit]);
    expect([safe.relayLine, safe.contactLine, safe.exitLine]).toEqual([BUILDING_LINES.safeRelay, BUILDING_LINES.safeContact, undefined]);
    expect([door.lockType, safe.lockType]).toEqual([building.parts.door.lockType, building.parts.safe.lockType]);
    expect([door.name, safe.name]).toEqual([building.parts.door.name, building.parts.safe.name]);
  });

  it('lighting: relay line and dimmer channel', () => {
    const lights = only('lighting');
    expect(lights.relayLine).toBe(BUILDING_LINES.lightingRelay);
    expect(lights.dimmer).toEqual({ chip: BUILDING_PWM.chip, channel: BUILDING_PWM.dimmer });
    expect(lights.name).toBe(building.parts.lighting.name);
  });

  it('HVAC and camera: the serial lines and their settings', () => {
    const hvac = only('hvac');
    const camera = only('camera');
    const { hvac: hvacLine, camera: cameraLine } = building.host.serial;
    expect(hvac.serial.port).toBe(hvacLine.path);
    expect({ baudRate: hvac.serial.baudRate, parity: hvac.serial.parity, stopBits: hvac.serial.stopBits }).toEqual({
      baudRate: hvacLine.settings.baudRate,
      parity: hvacLine.settings.parity,
      stopBits: hvacLine.settings.stopBits,
    });
    expect(hvac.unit).toBe(building.parts.hvac.server.unitId);
    expect(hvac.registerMap).toBe('chiltrix-cxi');
    expect(camera.serial).toEqual({ port: cameraLine.path, baudRate: cameraLine.settings.baudRate });
  });

  it('every GPIO line and PWM channel of the building is used exactly once', () => {
    const lines = config.devices.flatMap((d) => (d.kind === 'fan' ? [d.tachLine] : d.kind === 'door' || d.kind === 'safe' ? [d.relayLine, d.contactLine, ...(d.exitLine === undefined ? [] : [d.exitLine])] : d.kind === 'lighting' ? [d.relayLine] : []));
    expect([...lines].sort((a, b) => a - b)).toEqual(Object.values(BUILDING_LINES).sort((a, b) => a - b));
  });
});
