import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { createVirtualBuilding, type VirtualBuilding } from '../../simulator/index.js';
import { applyBuildingEvent, BuildingEventError, buildingEventUsage } from './building-events.js';

let building: VirtualBuilding | undefined;
afterEach(async () => {
  await building?.close();
  building = undefined;
});

function make(): VirtualBuilding {
  building = createVirtualBuilding({ clock: new ManualClock() });
  return building;
}

describe('building events act on the simulated parts, never on the gateway', () => {
  it('door force / door close: the contact opens without the strike released, then closes', () => {
    const b = make();
    expect(applyBuildingEvent(b, 'door force')).toMatch(/forced open/);
    expect(b.parts.door.forced).toBe(true);
    expect(b.parts.door.isOpen).toBe(true);
    applyBuildingEvent(b, '  door   close ');
    expect(b.parts.door.isOpen).toBe(false);
    expect(b.parts.door.locked).toBe(true);
  });

  it('fan stall / fan ok, sensor fail / ok, hvac fault / ok, heat', () => {
    const b = make();
    applyBuildingEvent(b, 'fan stall');
    expect(b.parts.fan.faults).toContain('stall');
    applyBuildingEvent(b, 'fan ok');
    expect(b.parts.fan.faults).toEqual([]);
    applyBuildingEvent(b, 'sensor fail mcp9808');
    expect(b.parts.mcp9808.faults.peek()).toBe('nack');
    expect(b.parts.sht31.faults.peek()).toBeUndefined();
    applyBuildingEvent(b, 'sensor ok mcp9808');
    expect(b.parts.mcp9808.faults.peek()).toBeUndefined();
    applyBuildingEvent(b, 'hvac fault fan');
    expect(b.parts.hvac.unit.read('input', 46809, 1)).toEqual([1]); // fault_flags_2 bit 0: fan motor
    applyBuildingEvent(b, 'hvac ok');
    expect(b.parts.hvac.unit.read('input', 46809, 1)).toEqual([0]);
    applyBuildingEvent(b, 'heat 3000');
    expect(b.room.heatLoadW).toBe(3000);
  });

  it.each([
    ['door dance', /unknown event "door dance"; one of: door force · door open/],
    ['sensor fail sht99', /"sensor fail sht99": name one I2C part: sht31, mcp9808, bme280, tmp102 \(usage: sensor fail/],
    ['hvac fault', /name what fails: fan, room, coil/],
    ['heat lots', /heat takes one number of watts, 0–20000/],
    ['heat -5', /heat takes one number of watts/],
    ['rm -rf /', /unknown event "rm -rf \/"/],
  ])('"%s" changes nothing and names the commands', (line, message) => {
    const b = make();
    const heat = b.room.heatLoadW;
    expect(() => applyBuildingEvent(b, line)).toThrow(BuildingEventError);
    expect(() => applyBuildingEvent(b, line)).toThrow(message);
    expect(b.room.heatLoadW).toBe(heat);
    expect(b.parts.sht31.faults.peek()).toBeUndefined();
  });

  it('help and a blank line list every event', () => {
    const b = make();
    const list = applyBuildingEvent(b, 'help');
    expect(applyBuildingEvent(b, '')).toBe(list);
    for (const usage of buildingEventUsage()) expect(list).toContain(usage);
    expect(buildingEventUsage()).toContain('door force');
  });
});
