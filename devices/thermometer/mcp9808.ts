/**
 * Microchip MCP9808 driver (DS25095 §5.1, docs/hardware.md#mcp9808).
 *
 * Must hold:
 * - identity at init: manufacturer ID (reg 0x06) = 0x0054 and device ID (reg 0x07 high byte)
 *   = 0x04; the revision (low byte) may differ between lots and is not checked;
 * - registers are 16-bit big-endian, read as I2C blocks (SMBus readWord would swap them);
 * - ambient temperature, reg 0x05: bits 12..0 are 13-bit two's complement in 1/16 °C; bits
 *   15..13 are alert flags and are masked off;
 * - after power-up the first conversion takes tCONV (250 ms at the reset resolution 0.0625 °C)
 *   and TA reads 0 until then: init waits one conversion, so a replugged part never reports 0 °C.
 */
import { ThermometerPartError, partLabel, plausible, signed, type ThermometerPartContext, type ThermometerReading, type ThermometerPart } from './part.js';

const REG = { ambient: 0x05, manufacturerId: 0x06, deviceId: 0x07 } as const;
const MANUFACTURER_ID = 0x0054;
const DEVICE_ID = 0x04;
/** tCONV at the power-up resolution, +10 % (Table 1-1 gives 250 ms typical). */
const FIRST_CONVERSION_MS = 275;

export function mcp9808Part(ctx: ThermometerPartContext): ThermometerPart {
  const { bus, address, clock } = ctx;
  const label = partLabel('MCP9808', ctx);
  const register = async (reg: number): Promise<number> => (await bus.readI2cBlock(address, reg, 2)).readUInt16BE(0);
  return {
    label,
    measures: { humidity: false, pressure: false },
    async init() {
      const manufacturer = await register(REG.manufacturerId);
      const device = (await register(REG.deviceId)) >> 8;
      if (manufacturer !== MANUFACTURER_ID || device !== DEVICE_ID) {
        throw new ThermometerPartError(
          `${label}: manufacturer ID 0x${hex4(manufacturer)} / device ID 0x${hex2(device)}, expected 0x0054 / 0x04; another part answers at this address: check the address and part in the config`,
        );
      }
      await clock.sleep(FIRST_CONVERSION_MS);
    },
    async measure(): Promise<ThermometerReading> {
      const raw = await register(REG.ambient);
      return { temperatureC: plausible(label, 'temperature', signed(raw, 13) / 16, -40, 125, '°C') };
    },
  };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
