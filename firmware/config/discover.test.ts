/**
 * I2C discovery against the simulator's datasheet-faithful parts (and two stand-ins for parts
 * that share the TMP102's and the BME280's addresses), on a ManualClock.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { ATOM_TYPE, encodeHatImage, encodeVendorInfo } from '../../drivers/hat-eeprom/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { FaultInjector } from '../../simulator/index.js';
import { HatEepromSim } from '../../simulator/i2c-identity/index.js';
import { Sht31, Sht4x, Tmp102, VirtualI2cBus, environmentFrom } from '../../simulator/i2c/index.js';
import { createVirtualBuilding } from '../../simulator/index.js';
import type { I2cTarget } from '../../simulator/index.js';
import { discoverI2c, discoverySnippet, scanI2cBus } from './discover.js';
import { loadGatewayConfig, parseGatewayConfig } from './load.js';

const clock = new ManualClock();
const buildings: Array<ReturnType<typeof createVirtualBuilding>> = [];
afterAll(async () => {
  for (const b of buildings) await b.close();
});
/** A fresh building: discovery closes the buses it scanned. */
function building(): ReturnType<typeof createVirtualBuilding> {
  const b = createVirtualBuilding({ clock });
  buildings.push(b);
  return b;
}
const environment = environmentFrom({ temperatureC: () => 22.5 });

/** A register-pointer part answering fixed 16-bit registers, big-endian (ADS1115, BMP280 stand-ins). */
function registerPart(address: number, part: string, registers: ReadonlyMap<number, number>, width: 1 | 2): I2cTarget {
  let pointer = 0;
  return {
    address,
    part,
    faults: new FaultInjector(),
    transfer(write, readLength) {
      if (write.length > 0) pointer = write[0] ?? 0;
      const value = registers.get(pointer) ?? 0;
      const bytes = width === 2 ? Buffer.of(value >> 8, value & 0xff) : Buffer.of(value);
      return Buffer.concat(Array.from({ length: Math.ceil(readLength / width) }, () => bytes)).subarray(0, readLength);
    },
  };
}

describe('discover on the virtual building', () => {
  it('identifies every part by its ID registers and prints the thermometers as config entries', async () => {
    const { host } = building();
    const scans = await clock.settle(discoverI2c([0, 1], (n) => Promise.resolve(host.i2c.get(n)!), clock));
    expect(discoverySnippet(scans)).toBe(`# pia-gateway discover: I2C parts found (paste the entries under devices: in gateway.yaml, then rename them)
# i2c-0: 1 part
#   0x50 24C32 HAT ID EEPROM, holds no HAT image: board identity, not a device
# i2c-1: 5 parts
#   0x18 MCP9808 (manufacturer ID 0x0054, device ID 0x04, revision 0x00)
#   0x44 SHT3x (serial 0x0c412d7a)
#   0x48 TMP102, probably (no ID register: configuration 0x60a0, its power-on default)
#   0x60 ATECC608A secure element (revision 00006002): the gateway's identity store, not a device
#   0x76 BME280 (chip ID 0x60)
devices:
  - name: mcp9808-i2c1-18
    kind: thermometer
    part: mcp9808
    i2c: { bus: 1, address: 0x18 }
  - name: sht31-i2c1-44
    kind: thermometer
    part: sht31
    i2c: { bus: 1, address: 0x44 }
  - name: tmp102-i2c1-48
    kind: thermometer
    part: tmp102
    i2c: { bus: 1, address: 0x48 }
  - name: bme280-i2c1-76
    kind: thermometer
    part: bme280
    i2c: { bus: 1, address: 0x76 }
`);
  });

  it('the snippet is a valid devices list, and its thermometers are the demo file\'s', async () => {
    const { host } = building();
    const scans = await clock.settle(discoverI2c([1], (n) => Promise.resolve(host.i2c.get(n)!), clock));
    const snippet = parseGatewayConfig(`version: 1\ngateway: { prefix: "2001:db8::/64" }\n${discoverySnippet(scans)}`, 'snippet.yaml');
    const demo = loadGatewayConfig(fileURLToPath(new URL('./examples/demo-building.yaml', import.meta.url)));
    const key = (d: { kind: string }): string => (d.kind === 'thermometer' && 'part' in d && 'i2c' in d ? `${String(d.part)} ${JSON.stringify(d.i2c)}` : '');
    expect(snippet.devices.map(key).sort()).toEqual(demo.devices.filter((d) => d.kind === 'thermometer').map(key).sort());
  });
});

describe('discover: parts that share addresses, parts that hide from a scan', () => {
  it('SHT3x and SHT4x (both NACK the scan\'s bare read) are told apart by their serial commands', async () => {
    const bus = new VirtualI2cBus({ busNumber: 3, clock });
    bus.attach(new Sht4x({ clock, environment, address: 0x44, serialNumber: 0x0a0b0c0d }));
    bus.attach(new Sht31({ clock, environment, address: 0x45, serialNumber: 0x01020304 }));
    bus.attach(new Sht4x({ clock, environment, address: 0x46, serialNumber: 0x11223344 }));
    expect(await bus.scan()).toEqual([]);
    const found = await clock.settle(scanI2cBus(bus, clock));
    expect(found).toEqual([
      { address: 0x44, identified: { kind: 'thermometer', part: 'sht4x', detail: 'SHT4x (serial 0x0a0b0c0d)' } },
      { address: 0x45, identified: { kind: 'thermometer', part: 'sht31', detail: 'SHT3x (serial 0x01020304)' } },
      { address: 0x46, identified: { kind: 'thermometer', part: 'sht4x', detail: 'SHT4x (serial 0x11223344)' } },
    ]);
  });

  it('a TMP102 that was configured is still found, and its pointer is left on the temperature register', async () => {
    const bus = new VirtualI2cBus({ busNumber: 3, clock, log: true });
    bus.attach(new Tmp102({ clock, environment, address: 0x49 }));
    await bus.writeI2cBlock(0x49, 0x01, Uint8Array.of(0x61, 0x20)); // shutdown mode, 8 Hz
    const found = await clock.settle(scanI2cBus(bus, clock));
    expect(found).toEqual([{ address: 0x49, identified: { kind: 'thermometer', part: 'tmp102', detail: 'TMP102, probably (no ID register: configuration 0x6120, configured since power-on)' } }]);
    expect(bus.log.filter((t) => t.address === 0x49).at(-1)).toMatchObject({ write: Buffer.of(0x00), readLength: 0 });
  });

  it('an ADS1115 ADC at 0x48 (config 0x8583) is not taken for a TMP102; a BMP280 is named but offered as no device', async () => {
    const bus = new VirtualI2cBus({ busNumber: 4, clock });
    bus.attach(registerPart(0x48, 'ADS1115', new Map([[0x01, 0x8583]]), 2));
    bus.attach(registerPart(0x77, 'BMP280', new Map([[0xd0, 0x58]]), 1));
    const scans = await clock.settle(discoverI2c([4], () => Promise.resolve(bus), clock));
    expect(discoverySnippet(scans)).toBe(`# pia-gateway discover: I2C parts found (paste the entries under devices: in gateway.yaml, then rename them)
# i2c-4: 2 parts
#   0x48 answers, but is no part this gateway knows
#   0x77 BMP280 (chip ID 0x58): no humidity, not a supported part; fit a BME280
devices: []
`);
  });

  it('a HAT EEPROM with an image, a part that stopped answering, a bus that is missing', async () => {
    const image = encodeHatImage([{ type: ATOM_TYPE.vendorInfo, data: encodeVendorInfo({ uuid: '7a2a3c14-9d7e-4a1b-8c3d-0123456789ab', productId: 1, productVersion: 1, vendor: 'PIA', product: 'Gateway HAT' }) }]);
    const bus0 = new VirtualI2cBus({ busNumber: 0, clock });
    bus0.attach(new HatEepromSim({ clock, contents: image }));
    const bus1 = new VirtualI2cBus({ busNumber: 1, clock });
    const unplugged = new Sht31({ clock, environment });
    unplugged.faults.inject('unplug');
    bus1.attach(unplugged);
    const open = (n: number): Promise<VirtualI2cBus> => (n === 0 ? Promise.resolve(bus0) : n === 1 ? Promise.resolve(bus1) : Promise.reject(new I2cError('no-bus', n, undefined, `/dev/i2c-${n} does not exist`)));
    const scans = await clock.settle(discoverI2c([0, 1, 7], open, clock));
    expect(discoverySnippet(scans)).toBe(`# pia-gateway discover: I2C parts found (paste the entries under devices: in gateway.yaml, then rename them)
# i2c-0: 1 part
#   0x50 24C32 HAT ID EEPROM, holds a HAT image ("R-Pi"): board identity, not a device
# i2c-1: nothing answered
# i2c-7: not scanned: i2c-7: /dev/i2c-7 does not exist (no-bus); enable I2C (dtparam=i2c_arm=on in config.txt) and check that /dev/i2c-N exists and is readable
devices: []
`);
  });
});
