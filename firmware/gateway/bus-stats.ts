/**
 * Errors per bus, for /metrics: what an installer graphs to find a loose I2C wire or a noisy
 * RS-485 line before a device fails.
 *
 * - I2C: every I2cError a transfer throws, by bus and kind (nack, timeout, io, …: drivers/i2c
 *   errors.ts), counted by a thin wrapper around the bus the devices share. A `scan()` is not
 *   counted: its NACKs are how it finds the empty addresses.
 * - Modbus RTU: each line's master keeps its own counters (drivers/modbus RtuMasterStats:
 *   requests, retries, timeouts, CRC and frame errors, exception replies, failed calls); they
 *   are read at scrape time.
 * Must hold: a wrapped bus behaves exactly as the bus (same results, same errors, same order).
 */
import { I2cError, type I2cBus, type RtuMaster, type RtuMasterStats } from '../../drivers/index.js';
import type { GatewayHardware } from './hardware.js';

export interface I2cErrorCount {
  /** "i2c-1". */
  readonly bus: string;
  readonly kind: string;
  readonly n: number;
}

export interface ModbusLineStats {
  /** The serial port, e.g. "/dev/ttyUSB0" or "virtual:hvac". */
  readonly line: string;
  readonly stats: RtuMasterStats;
}

export class BusStats {
  readonly #i2c = new Map<string, { bus: string; kind: string; n: number }>();
  readonly #modbus = new Map<string, RtuMaster>();

  /** The bus, its transfer errors counted here. */
  countI2c(bus: I2cBus): I2cBus {
    return new CountingI2cBus(bus, (e) => {
      if (!(e instanceof I2cError)) return;
      const key = `${bus.busNumber}/${e.kind}`;
      const entry = this.#i2c.get(key) ?? { bus: `i2c-${bus.busNumber}`, kind: e.kind, n: 0 };
      entry.n++;
      this.#i2c.set(key, entry);
    });
  }

  /** The Modbus master of `line` (one per line, shared by its units). */
  addModbusMaster(line: string, master: RtuMaster): void {
    this.#modbus.set(line, master);
  }

  i2cErrors(): readonly I2cErrorCount[] {
    return [...this.#i2c.values()].map((e) => ({ ...e }));
  }

  modbusLines(): readonly ModbusLineStats[] {
    return [...this.#modbus].map(([line, master]) => ({ line, stats: master.stats() }));
  }
}

class CountingI2cBus implements I2cBus {
  constructor(
    private readonly inner: I2cBus,
    private readonly onError: (e: unknown) => void,
  ) {}

  get busNumber(): number {
    return this.inner.busNumber;
  }

  i2cWrite(address: number, data: Uint8Array): Promise<void> {
    return this.#counted(this.inner.i2cWrite(address, data));
  }

  i2cRead(address: number, length: number): Promise<Buffer> {
    return this.#counted(this.inner.i2cRead(address, length));
  }

  readByte(address: number, command: number): Promise<number> {
    return this.#counted(this.inner.readByte(address, command));
  }

  writeByte(address: number, command: number, value: number): Promise<void> {
    return this.#counted(this.inner.writeByte(address, command, value));
  }

  readWord(address: number, command: number): Promise<number> {
    return this.#counted(this.inner.readWord(address, command));
  }

  writeWord(address: number, command: number, value: number): Promise<void> {
    return this.#counted(this.inner.writeWord(address, command, value));
  }

  readI2cBlock(address: number, command: number, length: number): Promise<Buffer> {
    return this.#counted(this.inner.readI2cBlock(address, command, length));
  }

  writeI2cBlock(address: number, command: number, data: Uint8Array): Promise<void> {
    return this.#counted(this.inner.writeI2cBlock(address, command, data));
  }

  scan(): Promise<number[]> {
    return this.inner.scan();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #counted<T>(p: Promise<T>): Promise<T> {
    return p.catch((e: unknown) => {
      this.onError(e);
      throw e;
    });
  }
}

/** GatewayHardware whose I2C buses count their errors in `busStats`. */
export interface CountedHardware extends GatewayHardware {
  readonly busStats: BusStats;
}

/** Wraps each bus once (the devices on a bus still share one object). */
export function withBusStats(h: GatewayHardware): CountedHardware {
  const busStats = new BusStats();
  const buses = new Map<number, Promise<I2cBus>>();
  return {
    gpio: h.gpio,
    pwm: h.pwm,
    busStats,
    i2cBus(bus) {
      let counted = buses.get(bus);
      if (counted === undefined) buses.set(bus, (counted = h.i2cBus(bus).then((b) => busStats.countI2c(b))));
      return counted;
    },
    serialLine: (port) => h.serialLine(port),
    close: () => h.close(),
  };
}
