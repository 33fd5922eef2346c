/**
 * Test helper: a board on the station's test socket, simulated: an ATECC608 at i2c-1 0x60 and
 * a 24C32 HAT EEPROM at i2c-0 0x50 (simulator/i2c-identity), faithful to their datasheets.
 * The parts keep their non-volatile memory across runs; `openI2c` hands a run its buses, with
 * a PowerCut ticking before every transaction when one is given.
 */
import type { Clock } from '../../common/index.js';
import type { I2cBus } from '../../drivers/i2c/index.js';
import { VirtualI2cBus } from '../../simulator/i2c/index.js';
import { Atecc608Sim, HatEepromSim, type Atecc608SimOptions } from '../../simulator/i2c-identity/index.js';
import { cuttableBus, type PowerCut } from '../../identity/test-support/index.js';

export const BOARD_SPEC = 'atecc608=i2c-1:0x60+eeprom=i2c-0:0x50';

export interface SimBoard {
  readonly chip: Atecc608Sim;
  readonly eeprom: HatEepromSim;
  readonly buses: ReadonlyMap<number, VirtualI2cBus>;
  /** The buses for one run (through `cut` when given). */
  openI2c(cut?: PowerCut): (bus: number) => Promise<I2cBus>;
  /** Power off and on: the chip forgets its volatile state. */
  powerCycle(): void;
}

/** `sockets`: the buses of this board's socket (default the chip on i2c-1, the EEPROM on i2c-0). */
export function simBoard(clock: Clock, seed: string, chipOptions: Partial<Atecc608SimOptions> = {}, sockets = { chipBus: 1, eepromBus: 0 }): SimBoard {
  const bus1 = new VirtualI2cBus({ clock, busNumber: sockets.chipBus });
  const bus0 = new VirtualI2cBus({ clock, busNumber: sockets.eepromBus });
  const chip = new Atecc608Sim({ clock, seed, ...chipOptions });
  const eeprom = new HatEepromSim({ clock });
  bus1.attach(chip);
  bus0.attach(eeprom);
  const buses = new Map<number, VirtualI2cBus>([
    [sockets.eepromBus, bus0],
    [sockets.chipBus, bus1],
  ]);
  return {
    chip,
    eeprom,
    buses,
    openI2c: (cut) => (n) => {
      const bus = buses.get(n) ?? new VirtualI2cBus({ clock, busNumber: n }); // an empty bus: every address NACKs
      return Promise.resolve(cut === undefined ? bus : cuttableBus(bus, cut));
    },
    powerCycle: () => chip.powerCycle(),
  };
}

/** The buses of several boards on one station (each board on its own socket's buses). */
export function trayI2c(clock: Clock, boards: readonly SimBoard[]): (bus: number) => Promise<I2cBus> {
  return (n) => Promise.resolve(boards.find((b) => b.buses.has(n))?.buses.get(n) ?? new VirtualI2cBus({ clock, busNumber: n }));
}
