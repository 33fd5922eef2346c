/**
 * Test helper: a power cut at the N-th event of a run. Every I2C transaction of the board and
 * every call the station makes (journal writes, the trusted server, the phase-3 check, the
 * label) is an event; at event N the power goes: the parts lose their volatile state
 * (`onCut`), and that event and every later one throws `PowerCut`, so nothing more happens in
 * this run. Non-volatile state (the chip's zones, the EEPROM, files, the server) stays.
 */
import type { I2cBus } from '../../drivers/index.js';

export class PowerCutError extends Error {
  override readonly name = 'PowerCutError';
}

export class PowerCut {
  /** Events seen so far in this run. */
  count = 0;
  tripped = false;
  readonly events: string[] = [];

  constructor(
    /** Cut at this event (1-based); Infinity: never (a dry run that counts). */
    private readonly at: number,
    private readonly onCut: () => void = () => undefined,
  ) {}

  /** Called before each event; throws once the power is gone. */
  tick(what: string): void {
    if (this.tripped) throw new PowerCutError(`power is off (${what})`);
    this.count++;
    this.events.push(what);
    if (this.count >= this.at) {
      this.tripped = true;
      this.onCut();
      throw new PowerCutError(`power cut at event ${this.count}: ${what}`);
    }
  }
}

/** The bus with a tick before every transaction. */
export function cuttableBus(bus: I2cBus, cut: PowerCut): I2cBus {
  const at = (address: number, op: string): string => `i2c-${bus.busNumber} 0x${address.toString(16)} ${op}`;
  return {
    busNumber: bus.busNumber,
    i2cWrite: async (a, d) => (cut.tick(at(a, 'write')), bus.i2cWrite(a, d)),
    i2cRead: async (a, n) => (cut.tick(at(a, 'read')), bus.i2cRead(a, n)),
    readByte: async (a, c) => (cut.tick(at(a, 'readByte')), bus.readByte(a, c)),
    writeByte: async (a, c, v) => (cut.tick(at(a, 'writeByte')), bus.writeByte(a, c, v)),
    readWord: async (a, c) => (cut.tick(at(a, 'readWord')), bus.readWord(a, c)),
    writeWord: async (a, c, v) => (cut.tick(at(a, 'writeWord')), bus.writeWord(a, c, v)),
    readI2cBlock: async (a, c, n) => (cut.tick(at(a, 'readI2cBlock')), bus.readI2cBlock(a, c, n)),
    writeI2cBlock: async (a, c, d) => (cut.tick(at(a, 'writeI2cBlock')), bus.writeI2cBlock(a, c, d)),
    scan: async () => (cut.tick(`i2c-${bus.busNumber} scan`), bus.scan()),
    close: () => bus.close(),
  };
}
