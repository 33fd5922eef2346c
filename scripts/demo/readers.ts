/**
 * The few host-side reads the demo needs, straight through the driver interfaces. They show
 * the wire protocols at work; the device models (devices/) will own these jobs with
 * health, retries and fail-safes.
 */
import type { Clock } from '../../common/index.js';
import { parseSensirionWords, type GpioInput, type I2cBus } from '../../drivers/index.js';

/** SHT31 single shot, high repeatability, no clock stretching (datasheet Table 9: 0x2400, ≤ 15 ms). */
export async function readSht31(bus: I2cBus, clock: Clock, address = 0x44): Promise<{ temperatureC: number; humidityPct: number }> {
  await bus.i2cWrite(address, Uint8Array.of(0x24, 0x00));
  await clock.sleep(16);
  const parsed = parseSensirionWords(await bus.i2cRead(address, 6));
  if ('badWord' in parsed) throw new Error(`SHT31 at 0x${address.toString(16)}: CRC mismatch in word ${parsed.badWord}; check the wiring`);
  const [t = 0, rh = 0] = parsed.words;
  return { temperatureC: -45 + (175 * t) / 65535, humidityPct: (100 * rh) / 65535 };
}

/** MCP9808 ambient temperature register 0x05: 13-bit two's complement, 1/16 °C (datasheet §5.1.3). */
export async function readMcp9808(bus: I2cBus, address = 0x18): Promise<number> {
  const raw = (await bus.readI2cBlock(address, 0x05, 2)).readUInt16BE(0);
  const c = (raw & 0x0fff) / 16;
  return raw & 0x1000 ? c - 256 : c;
}

/** Counts tachometer pulses: 2 per revolution, so rpm = pulses per second × 30 (Intel 4-wire fan spec). */
export class TachCounter {
  private count = 0;
  private windowStart: number;
  private readonly stop: () => void;

  constructor(
    input: GpioInput,
    private readonly clock: Clock,
  ) {
    this.windowStart = clock.now();
    this.stop = input.watch((level) => {
      if (level === 0) this.count += 1;
    });
  }

  /** Speed over the time since the last call, in rpm. */
  rpm(): number {
    const now = this.clock.now();
    const seconds = (now - this.windowStart) / 1000;
    const rpm = seconds > 0 ? (this.count / seconds) * 30 : 0;
    this.count = 0;
    this.windowStart = now;
    return rpm;
  }

  close(): void {
    this.stop();
  }
}
