/**
 * Serial ports present on this machine, for `pia-gateway` status output and for technicians
 * writing a config file.
 *
 * Must hold: never throws or rejects. On Linux node-serialport lists ports by spawning
 * `udevadm info -e`, which is missing in containers and minimal images; then the result
 * carries `error` (naming the problem and the fix) and whatever `/dev/serial/by-id` holds.
 * It never lists ptys (/dev/pts/N, socat links): configure those by path.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SerialPort } from 'serialport';

export interface SerialPortInfo {
  readonly path: string;
  readonly manufacturer?: string;
  readonly serialNumber?: string;
  readonly vendorId?: string;
  readonly productId?: string;
  /** The stable /dev/serial/by-id/... link for this port, when known. */
  readonly byId?: string;
}

export interface SerialPortList {
  readonly ports: readonly SerialPortInfo[];
  /** Set when the system listing failed; a sentence a technician can act on. */
  readonly error?: string;
}

interface RawPortInfo {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
  pnpId?: string | undefined;
}

export interface ListSerialPortsOptions {
  /** Default: `SerialPort.list` (udevadm on Linux). */
  readonly list?: () => Promise<readonly RawPortInfo[]>;
  /** Default: /dev/serial/by-id. */
  readonly byIdDir?: string;
}

const HINT =
  'ptys (/dev/pts/N, socat links) are never listed; configure serial devices by a stable /dev/serial/by-id/... path';

export async function listSerialPorts(options: ListSerialPortsOptions = {}): Promise<SerialPortList> {
  const byIdDir = options.byIdDir ?? '/dev/serial/by-id';
  try {
    const raw = await (options.list ?? (() => SerialPort.list()))();
    return { ports: raw.map((p) => toInfo(p, byIdDir)) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const ports = await listByIdFolder(byIdDir);
    return {
      ports,
      error:
        `listing serial ports failed (${reason}); node-serialport needs 'udevadm' (package udev), which containers often lack. ` +
        `Showing ${ports.length} port(s) from ${byIdDir} instead. ${HINT}`,
    };
  }
}

function toInfo(p: RawPortInfo, byIdDir: string): SerialPortInfo {
  const out: { -readonly [K in keyof SerialPortInfo]: SerialPortInfo[K] } = { path: p.path };
  if (p.manufacturer !== undefined) out.manufacturer = p.manufacturer;
  if (p.serialNumber !== undefined) out.serialNumber = p.serialNumber;
  if (p.vendorId !== undefined) out.vendorId = p.vendorId;
  if (p.productId !== undefined) out.productId = p.productId;
  if (p.pnpId !== undefined) out.byId = join(byIdDir, p.pnpId);
  return out;
}

async function listByIdFolder(dir: string): Promise<SerialPortInfo[]> {
  try {
    const names = await readdir(dir);
    return names.sort().map((n) => ({ path: join(dir, n), byId: join(dir, n) }));
  } catch {
    return [];
  }
}
