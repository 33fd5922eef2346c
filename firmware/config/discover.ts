/**
 * `pia-gateway discover`: what is on the I2C buses, as a gateway.yaml snippet.
 *  1. per bus: `scan()` (a bare one-byte read at 0x03–0x77, as i2c-bus does), plus the
 *     addresses of parts that NACK such a read (SHT3x/SHT4x when idle, a sleeping ATECC608);
 *  2. each address: identify the part by its ID registers (i2c-identify.ts);
 *  3. print a YAML snippet: a comment line per address found, then a `devices:` list with a
 *     thermometer entry per supported sensor, named PART-i2cBUS-ADDRESS for the installer to
 *     rename. The identity parts (ATECC608, HAT EEPROM) are listed as comments, never devices.
 * A bus that cannot be opened is reported with the I2C driver's fix and the others go on.
 */
import type { Clock } from '../../common/index.js';
import { I2cError, type I2cBus } from '../../drivers/i2c/index.js';
import { identifyI2cPart, PROBE_EVEN_IF_SILENT, type Identified } from './i2c-identify.js';

export interface FoundPart {
  readonly address: number;
  readonly identified: Identified;
}

export interface BusScan {
  readonly bus: number;
  readonly found: readonly FoundPart[];
  /** Why the bus could not be scanned (no /dev/i2c-N, permissions). */
  readonly error?: string;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** Scans one bus and identifies every address that answers, in address order. */
export async function scanI2cBus(bus: I2cBus, clock: Clock): Promise<FoundPart[]> {
  const acked = new Set(await bus.scan());
  const found: FoundPart[] = [];
  for (const address of [...new Set([...acked, ...PROBE_EVEN_IF_SILENT])].sort((a, b) => a - b)) {
    const identified = await identifyI2cPart(bus, address, clock);
    if (identified !== undefined) found.push({ address, identified });
    else if (acked.has(address)) found.push({ address, identified: { kind: 'unknown', detail: 'answers, but is no part this gateway knows' } });
  }
  return found;
}

/** Opens and scans each bus; a failure is kept in `error` and the next bus is scanned. */
export async function discoverI2c(busNumbers: readonly number[], open: (bus: number) => Promise<I2cBus>, clock: Clock): Promise<BusScan[]> {
  const scans: BusScan[] = [];
  for (const number of busNumbers) {
    let bus: I2cBus | undefined;
    try {
      bus = await open(number);
      scans.push({ bus: number, found: await scanI2cBus(bus, clock) });
    } catch (e) {
      if (!(e instanceof I2cError)) throw e;
      scans.push({ bus: number, found: [], error: e.message });
    } finally {
      await bus?.close();
    }
  }
  return scans;
}

/** The snippet `discover` prints (valid YAML on its own; paste the entries under `devices:`). */
export function discoverySnippet(scans: readonly BusScan[]): string {
  const lines = ['# pia-gateway discover: I2C parts found (paste the entries under devices: in gateway.yaml, then rename them)'];
  const entries: string[] = [];
  for (const scan of scans) {
    if (scan.error !== undefined) {
      lines.push(`# i2c-${scan.bus}: not scanned: ${scan.error}`);
      continue;
    }
    lines.push(`# i2c-${scan.bus}: ${scan.found.length === 0 ? 'nothing answered' : `${scan.found.length} part${scan.found.length === 1 ? '' : 's'}`}`);
    for (const { address, identified } of scan.found) {
      lines.push(`#   ${hex(address)} ${identified.detail}`);
      if (identified.kind !== 'thermometer') continue;
      entries.push(
        `  - name: ${identified.part}-i2c${scan.bus}-${address.toString(16).padStart(2, '0')}`,
        '    kind: thermometer',
        `    part: ${identified.part}`,
        `    i2c: { bus: ${scan.bus}, address: ${hex(address)} }`,
      );
    }
  }
  lines.push(entries.length === 0 ? 'devices: []' : 'devices:', ...entries);
  return `${lines.join('\n')}\n`;
}
