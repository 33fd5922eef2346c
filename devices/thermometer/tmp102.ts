/**
 * Texas Instruments TMP102 driver (SBOS397 §7.5, docs/hardware.md#tmp102).
 *
 * Must hold:
 * - the part has no ID register: init reads the configuration register and checks the
 *   converter-resolution bits R1 R0 (bits 14..13), which always read 11; another part at the
 *   address is unlikely to pass, and a missing one NACKs;
 * - temperature, reg 0: 12-bit two's complement left-justified (bits 15..4), 0.0625 °C/LSB;
 *   in extended mode (bit 0 reads 1) 13-bit (bits 15..3);
 * - the first conversion after power-up takes 26 ms (and reads 0 before): init waits for it.
 */
import { ThermometerPartError, partLabel, plausible, signed, type ThermometerPartContext, type ThermometerReading, type ThermometerPart } from './part.js';

const REG = { temperature: 0x00, config: 0x01 } as const;
const RESOLUTION_BITS = 0x6000;
const FIRST_CONVERSION_MS = 30;

export function tmp102Part(ctx: ThermometerPartContext): ThermometerPart {
  const { bus, address, clock } = ctx;
  const label = partLabel('TMP102', ctx);
  const register = async (reg: number): Promise<number> => (await bus.readI2cBlock(address, reg, 2)).readUInt16BE(0);
  return {
    label,
    measures: { humidity: false, pressure: false },
    async init() {
      const config = await register(REG.config);
      if ((config & RESOLUTION_BITS) !== RESOLUTION_BITS) {
        throw new ThermometerPartError(
          `${label}: configuration register reads 0x${config.toString(16).padStart(4, '0')}, bits 14..13 should read 11; another part answers at this address: check the address and part in the config`,
        );
      }
      await clock.sleep(FIRST_CONVERSION_MS);
    },
    async measure(): Promise<ThermometerReading> {
      const raw = await register(REG.temperature);
      const sixteenths = raw & 0x0001 ? signed(raw >> 3, 13) : signed(raw >> 4, 12);
      return { temperatureC: plausible(label, 'temperature', sixteenths / 16, -40, 125, '°C') };
    },
  };
}
