import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { I2cError, RtuMaster } from '../../drivers/index.js';
import { createVirtualBuilding } from '../../simulator/index.js';
import { BusStats, withBusStats } from './bus-stats.js';
import { hostHardware } from './hardware.js';

describe('errors per bus', () => {
  it('a counted I2C bus answers as the bus does and counts each failed transfer by kind; a scan is not counted', async () => {
    const clock = new ManualClock();
    const b = createVirtualBuilding({ clock });
    const hardware = withBusStats(hostHardware({ ...b.host, serial: b.host.serial }));
    const bus = await hardware.i2cBus(1);
    expect(await hardware.i2cBus(1)).toBe(bus); // shared, as the devices share the bus
    const raw = b.host.i2c.get(1)!;
    expect(await bus.readWord(0x18, 0x06)).toBe(await raw.readWord(0x18, 0x06)); // MCP9808 manufacturer ID
    b.parts.mcp9808.faults.inject('nack', 2);
    await expect(bus.readWord(0x18, 0x06)).rejects.toThrow(I2cError);
    await expect(bus.readWord(0x18, 0x06)).rejects.toMatchObject({ kind: 'nack' });
    await bus.scan(); // NACKs at every empty address: how a scan works, not errors
    expect(hardware.busStats.i2cErrors()).toEqual([{ bus: 'i2c-1', kind: 'nack', n: 2 }]);
    await b.close();
  });

  it("a Modbus line's master counters are read as they are now", async () => {
    const clock = new ManualClock();
    const b = createVirtualBuilding({ clock });
    const stats = new BusStats();
    const master = new RtuMaster(b.host.serial.hvac, { clock, timeoutMs: 100, retries: 0 });
    stats.addModbusMaster('virtual:hvac', master);
    expect(stats.modbusLines()[0]?.stats.requests).toBe(0);
    await clock.settle(master.readHoldingRegisters(15, 28301, 1), 10, 5_000);
    const failing = master.readHoldingRegisters(99, 28301, 1).catch((e: unknown) => e); // no unit 99: a timeout
    await clock.settle(failing, 10, 5_000);
    expect(stats.modbusLines()).toEqual([{ line: 'virtual:hvac', stats: expect.objectContaining({ requests: 2, timeouts: 1, failures: 1 }) }]);
    master.dispose();
    await b.close();
  });
});
