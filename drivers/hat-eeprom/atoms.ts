/**
 * Atom payloads of the HAT ID EEPROM (raspberrypi/hats eeprom-format.md; eepmake.c for the
 * byte order of the UUID and the GPIO bank bytes).
 *
 * Must hold:
 * - Vendor info (type 1): UUID 16 bytes, product id u16, product version u16, vendor string
 *   length u8, product string length u8, vendor string, product string (ASCII). eepmake
 *   stores the UUID as four u32 LE words, least significant first: the 16 bytes are the
 *   canonical UUID bytes reversed.
 * - GPIO map (type 2): bank byte (drive 0–3, slew 4–5, hysteresis 6–7), back-power byte,
 *   then one byte per GPIO 0–27 (bit 7 used, bits 5–6 pull, bits 0–2 function).
 * - Custom (type 4), ours: UTF-8 JSON with `"format": "pia-hat/1"`. The boot firmware
 *   publishes custom atoms world-readable in /proc/device-tree/hat/: identity and hardware
 *   facts only, never a key (keys live in the ATECC608).
 */
import { HatEepromError } from './errors.js';

export interface VendorInfo {
  /** Canonical form, e.g. "7a2a3c14-9d7e-4a1b-8c3d-0123456789ab". */
  readonly uuid: string;
  readonly productId: number;
  readonly productVersion: number;
  readonly vendor: string;
  readonly product: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeVendorInfo(v: VendorInfo): Buffer {
  if (!UUID_RE.test(v.uuid)) throw new HatEepromError('invalid', `vendor info: "${v.uuid}" is not a UUID`, 'give the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx');
  const vendor = ascii('vendor', v.vendor);
  const product = ascii('product', v.product);
  const out = Buffer.alloc(22 + vendor.length + product.length);
  Buffer.from(v.uuid.replaceAll('-', ''), 'hex').reverse().copy(out, 0);
  out.writeUInt16LE(u16('product id', v.productId), 16);
  out.writeUInt16LE(u16('product version', v.productVersion), 18);
  out[20] = vendor.length;
  out[21] = product.length;
  vendor.copy(out, 22);
  product.copy(out, 22 + vendor.length);
  return out;
}

export function decodeVendorInfo(data: Uint8Array): VendorInfo {
  const b = Buffer.from(data);
  const vslen = b[20] ?? 0;
  const pslen = b[21] ?? 0;
  if (b.length < 22 || b.length !== 22 + vslen + pslen) {
    throw new HatEepromError('format', `vendor info atom: ${b.length} bytes, expected 22 + ${vslen} + ${pslen}`, 'rewrite the image');
  }
  const hex = Buffer.from(b.subarray(0, 16)).reverse().toString('hex');
  return {
    uuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    productId: b.readUInt16LE(16),
    productVersion: b.readUInt16LE(18),
    vendor: b.subarray(22, 22 + vslen).toString('latin1'),
    product: b.subarray(22 + vslen).toString('latin1'),
  };
}

export interface GpioMap {
  /** Byte 0: drive (bits 0–3), slew (4–5), hysteresis (6–7); 0 = leave at defaults. */
  readonly bank?: number;
  /** Byte 1: 0 no back-power, 1 back-powers 1.3 A, 2 back-powers 2 A. */
  readonly backPower?: number;
  /** GPIO 0–27, one byte each; 0 = not used. */
  readonly pins?: readonly number[];
}

export function encodeGpioMap(map: GpioMap = {}): Buffer {
  const out = Buffer.alloc(30);
  out[0] = map.bank ?? 0;
  out[1] = map.backPower ?? 0;
  (map.pins ?? []).slice(0, 28).forEach((p, i) => (out[2 + i] = p & 0xff));
  return out;
}

/** Our custom atom: what the board is. World-readable: no secrets. */
export interface PiaHatData {
  readonly format: 'pia-hat/1';
  /** The node's identity as registered with the trusted server. */
  readonly nodeId: string;
  readonly model: string;
  readonly hardwareRevision: string;
  /** The ATECC608's 9-byte serial, hex: ties this board to its secure element. */
  readonly secureElementSerial?: string;
  /** What the node is registered as (pia-provision writes these three; older images lack them). */
  readonly kind?: 'gateway' | 'operator';
  readonly label?: string;
  /** Where its trusted server listens, and the server's node ID (public facts, no key). */
  readonly server?: { readonly address: string; readonly port: number; readonly id: string };
}

export function encodePiaHatData(d: Omit<PiaHatData, 'format'>): Buffer {
  return Buffer.from(JSON.stringify({ format: 'pia-hat/1', ...d }), 'utf8');
}

export function decodePiaHatData(data: Uint8Array): PiaHatData {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (e) {
    throw new HatEepromError('format', 'custom atom: not JSON, so not a PIA board atom', 'rewrite the image with pia-provision', { cause: e });
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const str = (k: string): string => (typeof o[k] === 'string' ? o[k] : '');
  if (o['format'] !== 'pia-hat/1' || str('nodeId') === '' || str('model') === '' || str('hardwareRevision') === '') {
    throw new HatEepromError('format', 'custom atom: not a "pia-hat/1" object with nodeId, model and hardwareRevision', 'rewrite the image with pia-provision');
  }
  const serial = o['secureElementSerial'];
  const kind = o['kind'];
  const label = o['label'];
  const server = serverOf(o['server']);
  return {
    format: 'pia-hat/1',
    nodeId: str('nodeId'),
    model: str('model'),
    hardwareRevision: str('hardwareRevision'),
    ...(typeof serial === 'string' ? { secureElementSerial: serial } : {}),
    ...(kind === 'gateway' || kind === 'operator' ? { kind } : {}),
    ...(typeof label === 'string' ? { label } : {}),
    ...(server !== undefined ? { server } : {}),
  };
}

/** The optional server field, kept only when whole (address and id strings, integer port). */
function serverOf(v: unknown): PiaHatData['server'] {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Record<string, unknown>;
  const { address, port, id } = s;
  if (typeof address !== 'string' || typeof id !== 'string' || typeof port !== 'number' || !Number.isInteger(port)) return undefined;
  return { address, port, id };
}

function ascii(what: string, s: string): Buffer {
  if (!/^[\x20-\x7e]*$/.test(s) || s.length > 255) {
    throw new HatEepromError('invalid', `vendor info: the ${what} string must be printable ASCII, at most 255 characters`, `shorten or transliterate "${s.slice(0, 40)}"`);
  }
  return Buffer.from(s, 'latin1');
}

function u16(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new HatEepromError('invalid', `vendor info: ${what} ${n} is not 0–65535`, 'fix the value');
  return n;
}
