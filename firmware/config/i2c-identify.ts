/**
 * Which known part answers at an I2C address, told by its ID registers
 * (docs/hardware.md#i2c-addresses):
 *   0x18–0x1F  MCP9808   reg 0x06 = 0x0054 (manufacturer), reg 0x07 high byte = 0x04 (device ID)
 *   0x44–0x45  SHT3x     read serial 0x3780 → two words, each with a valid Sensirion CRC-8
 *   0x44–0x46  SHT4x     serial 0x89 → two words with valid CRCs (an SHT3x-only command 0x37…
 *                        is NACKed by an SHT4x, so the SHT3x probe goes first)
 *   0x48–0x4B  TMP102    no ID register: its address range, and a configuration register that
 *                        reads R1 R0 = 11 and the low nibble 0 (power-on 0x60A0); an ADS1115 ADC
 *                        at these addresses reads 0x8583 there and is not taken for one
 *   0x50       24C32     HAT ID EEPROM: a random read of byte 0 ("R-Pi" when it holds an image)
 *   0x60       ATECC608  wake (04 11 33 43), then Info: revision 00 00 60 xx
 *   0x76–0x77  BME280    reg 0xD0 = 0x60 (0x58 is a BMP280, 0x61 a BME680: named, not supported)
 * Must hold: a probe never writes a register that changes a part's behaviour (reads, pointer
 * writes and the parts' own read commands only), and restores a TMP102's pointer to 0.
 */
import type { Clock } from '../../common/index.js';
import { Atecc608, Atecc608Error } from '../../drivers/atecc608/index.js';
import { I2cError, parseSensirionWords, type I2cBus } from '../../drivers/i2c/index.js';
import type { ThermometerPart } from './types.js';

export type Identified =
  | { readonly kind: 'thermometer'; readonly part: ThermometerPart; readonly detail: string }
  | { readonly kind: 'not-a-device'; readonly detail: string }
  | { readonly kind: 'unknown'; readonly detail: string };

/** Addresses of parts that NACK the bare read `scan()` uses (docs/hardware.md#i2c): probed anyway. */
export const PROBE_EVEN_IF_SILENT: readonly number[] = [0x44, 0x45, 0x46, 0x60];

const hex = (n: number, digits = 2): string => `0x${n.toString(16).padStart(digits, '0')}`;

/** Identifies the part at `address`; undefined when nothing known answers there. */
export async function identifyI2cPart(bus: I2cBus, address: number, clock: Clock): Promise<Identified | undefined> {
  if (address >= 0x18 && address <= 0x1f) return quietly(() => mcp9808(bus, address));
  if (address >= 0x44 && address <= 0x46) return (await quietly(() => sht3x(bus, address, clock))) ?? (await quietly(() => sht4x(bus, address, clock)));
  if (address >= 0x48 && address <= 0x4b) return quietly(() => tmp102(bus, address));
  if (address === 0x50) return quietly(() => hatEeprom(bus, address));
  if (address === 0x60) return quietly(() => atecc608(bus, address, clock));
  if (address === 0x76 || address === 0x77) return quietly(() => boschChip(bus, address));
  return undefined;
}

/** Runs a probe; a bus error (NACK, timeout) means "not this part". */
async function quietly(probe: () => Promise<Identified | undefined>): Promise<Identified | undefined> {
  try {
    return await probe();
  } catch (e) {
    if (e instanceof I2cError || e instanceof Atecc608Error) return undefined;
    throw e;
  }
}

async function mcp9808(bus: I2cBus, address: number): Promise<Identified | undefined> {
  const manufacturer = (await bus.readI2cBlock(address, 0x06, 2)).readUInt16BE(0);
  const device = (await bus.readI2cBlock(address, 0x07, 2)).readUInt16BE(0);
  if (manufacturer !== 0x0054 || device >> 8 !== 0x04) return undefined;
  return { kind: 'thermometer', part: 'mcp9808', detail: `MCP9808 (manufacturer ID ${hex(manufacturer, 4)}, device ID ${hex(device >> 8)}, revision ${hex(device & 0xff)})` };
}

async function sensirionSerial(bus: I2cBus, address: number, command: readonly number[], clock: Clock, waitMs: number): Promise<number | undefined> {
  await bus.i2cWrite(address, Uint8Array.from(command));
  await clock.sleep(waitMs);
  const parsed = parseSensirionWords(await bus.i2cRead(address, 6));
  if (!('words' in parsed)) return undefined;
  const [hi, lo] = parsed.words;
  return (((hi ?? 0) << 16) | (lo ?? 0)) >>> 0;
}

async function sht3x(bus: I2cBus, address: number, clock: Clock): Promise<Identified | undefined> {
  if (address > 0x45) return undefined;
  const serial = await sensirionSerial(bus, address, [0x37, 0x80], clock, 1);
  return serial === undefined ? undefined : { kind: 'thermometer', part: 'sht31', detail: `SHT3x (serial ${hex(serial, 8)})` };
}

async function sht4x(bus: I2cBus, address: number, clock: Clock): Promise<Identified | undefined> {
  await clock.sleep(1); // ≥ 1 ms after the SHT3x probe's command (SHT3x datasheet §4)
  const serial = await sensirionSerial(bus, address, [0x89], clock, 10); // vendor drivers wait 10 ms
  return serial === undefined ? undefined : { kind: 'thermometer', part: 'sht4x', detail: `SHT4x (serial ${hex(serial, 8)})` };
}

async function tmp102(bus: I2cBus, address: number): Promise<Identified | undefined> {
  const config = (await bus.readI2cBlock(address, 0x01, 2)).readUInt16BE(0);
  await bus.i2cWrite(address, Uint8Array.of(0x00)); // pointer back to the temperature register
  if ((config & 0x600f) !== 0x6000) return undefined;
  const state = config === 0x60a0 ? 'its power-on default' : 'configured since power-on';
  return { kind: 'thermometer', part: 'tmp102', detail: `TMP102, probably (no ID register: configuration ${hex(config, 4)}, ${state})` };
}

async function hatEeprom(bus: I2cBus, address: number): Promise<Identified> {
  await bus.i2cWrite(address, Uint8Array.of(0x00, 0x00)); // 24C32: 16-bit word address, then read on
  const head = await bus.i2cRead(address, 4);
  const image = head.toString('latin1') === 'R-Pi' ? 'holds a HAT image ("R-Pi")' : 'holds no HAT image';
  return { kind: 'not-a-device', detail: `24C32 HAT ID EEPROM, ${image}: board identity, not a device` };
}

async function atecc608(bus: I2cBus, address: number, clock: Clock): Promise<Identified> {
  const revision = await new Atecc608(bus, { clock, address, retries: 1 }).info();
  const variant = revision[3] === 0x03 ? 'ATECC608B' : revision[3] === 0x02 ? 'ATECC608A' : 'ATECC608';
  return { kind: 'not-a-device', detail: `${variant} secure element (revision ${revision.toString('hex')}): the gateway's identity store, not a device` };
}

async function boschChip(bus: I2cBus, address: number): Promise<Identified | undefined> {
  const id = await bus.readByte(address, 0xd0);
  if (id === 0x60) return { kind: 'thermometer', part: 'bme280', detail: `BME280 (chip ID ${hex(id)})` };
  if (id === 0x58) return { kind: 'unknown', detail: `BMP280 (chip ID ${hex(id)}): no humidity, not a supported part; fit a BME280` };
  if (id === 0x61) return { kind: 'unknown', detail: `BME680 (chip ID ${hex(id)}): not a supported part` };
  return undefined;
}
