/**
 * `pia-gateway discover [--bus N]… [--simulated]`:
 *  1. the buses: each --bus, else every /dev/i2c-N (or, simulated, every bus of the virtual
 *     building: simulator/building.ts);
 *  2. scan and identify (firmware/config/discover.ts), one bus at a time;
 *  3. the YAML snippet → stdout; a bus that could not be scanned → stderr too.
 * Exit 0 when at least one bus was scanned (even if nothing answered), 1 when none could be.
 */
import { readdirSync } from 'node:fs';
import { systemClock } from '../../common/index.js';
import { LinuxI2cBusOpener, type I2cBus } from '../../drivers/i2c/index.js';
import { createVirtualBuilding } from '../../simulator/index.js';
import { discoverI2c, discoverySnippet } from '../config/index.js';
import { parseSubcommandArgs, UsageError } from './args.js';
import { ExitCode } from './exit-codes.js';
import type { GatewayCliIo, Subcommand } from './io.js';

const USAGE = `pia-gateway discover [--bus N]… [--simulated]
      scan I2C buses (default: every /dev/i2c-N), identify known parts by their ID registers
      (SHT3x, SHT4x, MCP9808, BME280, TMP102; the ATECC608 and the HAT EEPROM are named but
      are no devices) and print gateway.yaml entries for the thermometers found;
      --simulated scans the virtual building's buses instead (no hardware needed)`;

export const discoverSubcommand: Subcommand = {
  name: 'discover',
  usage: USAGE,
  summary: 'scan I2C buses and print gateway.yaml entries for the thermometers found',
  run: runDiscover,
};

async function runDiscover(args: readonly string[], io: GatewayCliIo): Promise<number> {
  const { values } = parseSubcommandArgs('discover', args, { bus: { type: 'string', multiple: true }, simulated: { type: 'boolean' } });
  if (values.help === true) {
    io.stdout.write(`usage:\n  ${USAGE}\n`);
    return ExitCode.Ok;
  }
  const asked = (Array.isArray(values.bus) ? values.bus : []).map((text) => {
    const n = Number(text);
    if (typeof text !== 'string' || !/^\d+$/.test(text) || n > 255) throw new UsageError(`--bus ${String(text)}: must be a bus number 0–255 (the N of /dev/i2c-N), e.g. --bus 1`);
    return n;
  });
  const clock = io.clock ?? systemClock();
  let buses: number[];
  let open: (bus: number) => Promise<I2cBus>;
  let close = (): Promise<void> => Promise.resolve();
  if (values.simulated === true) {
    const building = createVirtualBuilding({ clock });
    close = () => building.close();
    const present = [...building.host.i2c.keys()].sort((a, b) => a - b);
    const absent = asked.find((n) => !present.includes(n));
    if (absent !== undefined) {
      await close();
      throw new UsageError(`--bus ${absent}: the virtual building has buses ${present.join(' and ')}`);
    }
    buses = asked.length > 0 ? asked : present;
    open = (n) => Promise.resolve(building.host.i2c.get(n) as I2cBus);
  } else {
    buses = asked.length > 0 ? asked : (io.listI2cBuses ?? listDevI2c)();
    if (buses.length === 0) {
      io.stderr.write("pia-gateway discover: no I2C bus on this host (no /dev/i2c-N): enable I2C (dtparam=i2c_arm=on in config.txt, or raspi-config → Interface Options → I2C) and reboot; or try 'pia-gateway discover --simulated'\n");
      return ExitCode.Invalid;
    }
    const opener = new LinuxI2cBusOpener();
    open = io.openI2cBus ?? ((n) => opener.open(n));
  }
  try {
    const scans = await discoverI2c(buses, open, clock);
    io.stdout.write(discoverySnippet(scans));
    for (const s of scans) if (s.error !== undefined) io.stderr.write(`pia-gateway discover: i2c-${s.bus} not scanned: ${s.error}\n`);
    return scans.some((s) => s.error === undefined) ? ExitCode.Ok : ExitCode.Invalid;
  } finally {
    await close();
  }
}

/** The N of every /dev/i2c-N, in order. */
function listDevI2c(): number[] {
  try {
    return readdirSync('/dev')
      .map((f) => /^i2c-(\d+)$/.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}
