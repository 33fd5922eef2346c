/**
 * Sensirion SHT3x and SHT4x drivers: a measurement command, a wait of the datasheet's maximum
 * duration, then a 6-byte read (T msb, lsb, CRC, RH msb, lsb, CRC) with CRC-8 0x31 per word.
 *
 * Must hold (SHT3x-DIS §4.3–4.13, SHT4x §4.3–4.6, docs/hardware.md#sht31, #sht4x):
 * - single shot without clock stretching (SHT3x 0x2400, 15 ms; SHT4x 0xFD, 8.3 ms), because
 *   the Pi's I2C mishandles clock stretching;
 * - while it measures the part NACKs the read header: that is "not ready", retried every
 *   `retryMs` until twice the maximum duration, then an error;
 * - ≥ 1 ms between commands (SHT3x): init waits before the caller's first measurement;
 * - T = −45 + 175·S/65535; RH = 100·S/65535 (SHT3x), −6 + 125·S/65535 cropped to 0..100 (SHT4x);
 * - identity: the serial-number command answers two words with valid CRCs.
 */
import { I2cError, parseSensirionWords } from '../../drivers/index.js';
import { ThermometerPartError, partLabel, type ThermometerPartContext, type ThermometerReading, type ThermometerPart } from './part.js';

interface Family {
  readonly part: string;
  readonly measureCommand: Uint8Array;
  readonly serialCommand: Uint8Array;
  readonly maxMeasureMs: number;
  readonly humidity: (ticks: number) => number;
}

const SHT3X: Family = {
  part: 'SHT31',
  measureCommand: Uint8Array.of(0x24, 0x00),
  serialCommand: Uint8Array.of(0x37, 0x80),
  maxMeasureMs: 15,
  humidity: (s) => (100 * s) / 65535,
};

const SHT4X: Family = {
  part: 'SHT4x',
  measureCommand: Uint8Array.of(0xfd),
  serialCommand: Uint8Array.of(0x89),
  maxMeasureMs: 8.3,
  humidity: (s) => Math.min(100, Math.max(0, -6 + (125 * s) / 65535)),
};

export interface SensirionOptions {
  /** Wait after the measurement command before the first read; default the datasheet maximum. */
  readonly waitMs?: number;
  /** Wait between reads the part NACKs (still measuring); default 2 ms. */
  readonly retryMs?: number;
}

export function sht31Part(ctx: ThermometerPartContext, options: SensirionOptions = {}): ThermometerPart {
  return sensirionPart(SHT3X, ctx, options);
}

export function sht4xPart(ctx: ThermometerPartContext, options: SensirionOptions = {}): ThermometerPart {
  return sensirionPart(SHT4X, ctx, options);
}

function sensirionPart(family: Family, ctx: ThermometerPartContext, options: SensirionOptions): ThermometerPart {
  const { bus, address, clock } = ctx;
  const label = partLabel(family.part, ctx);
  const waitMs = options.waitMs ?? family.maxMeasureMs;
  const retryMs = options.retryMs ?? 2;
  const names = ['temperature', 'humidity'];

  /** Reads `words` CRC-checked words, retrying while the part NACKs, until `deadline`. */
  const readWords = async (deadline: number): Promise<number[]> => {
    for (;;) {
      try {
        const parsed = parseSensirionWords(await bus.i2cRead(address, 6));
        if ('badWord' in parsed) {
          const which = names[parsed.badWord] ?? `word ${parsed.badWord}`;
          throw new ThermometerPartError(`${label}: CRC mismatch in the ${which} word (noise on the bus); check wiring, pull-ups and cable length`);
        }
        return parsed.words;
      } catch (e) {
        const notReady = e instanceof I2cError && e.kind === 'nack';
        if (!notReady || clock.now() + retryMs > deadline) {
          if (notReady) throw new ThermometerPartError(`${label}: no result ${family.maxMeasureMs * 2} ms after the command (the part NACKs: still busy or unplugged)`, { cause: e });
          throw e;
        }
        await clock.sleep(retryMs);
      }
    }
  };

  return {
    label,
    measures: { humidity: true, pressure: false },
    async init() {
      await bus.i2cWrite(address, family.serialCommand);
      await clock.sleep(1);
      await readWords(clock.now() + 10);
      await clock.sleep(1); // ≥ 1 ms before the next command (SHT3x §4.3)
    },
    async measure(): Promise<ThermometerReading> {
      const started = clock.now();
      await bus.i2cWrite(address, family.measureCommand);
      await clock.sleep(waitMs);
      const [t = 0, rh = 0] = await readWords(started + family.maxMeasureMs * 2);
      return { temperatureC: -45 + (175 * t) / 65535, humidityPct: family.humidity(rh) };
    },
  };
}
