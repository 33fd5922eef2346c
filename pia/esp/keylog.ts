/**
 * Key log for debugging (docs/protocol.md §8): one line of Wireshark's ESP SA table (the
 * `esp_sa` UAT file, packet-ipsec.c `esp_uat_flds`) per SA direction, the ESP counterpart of
 * TLS's SSLKEYLOGFILE. Columns, each a quoted string:
 *   Protocol ("IPv6" | "IPv4") | Src IP | Dest IP | SPI ("0x" + 8 hex) | Encryption |
 *   Encryption Key ("0x" + key hex + salt hex: RFC 4106 §8.1 / RFC 7634 §2 KEYMAT) |
 *   Authentication ("NULL" for AEAD) | Authentication Key ("")
 * Addresses are the OUTER ones (Wireshark matches the IP header around the UDP-encapsulated
 * ESP); an IPv4-mapped address is written as IPv4 with protocol "IPv4"; a zone id is dropped;
 * the unspecified address (a node bound to :: or 0.0.0.0) is written as "*", Wireshark's
 * any-address wildcard, since it never appears on the wire.
 * Checked against Wireshark 4.0 (pia/node/keylog.tshark.test.ts decrypts a real capture).
 *
 * The file holds keys: it is created with mode 0600, and an existing file readable or writable
 * by group or others is set to 0600 (with a warning); a path that is not a regular file, or a
 * symbolic link, is refused. The caller owns logging: `warn` is called once when the log opens
 * (the key log being on is itself worth a warning) and when a mode had to be fixed.
 */
import { closeSync, constants, fchmodSync, fstatSync, openSync, writeSync } from 'node:fs';
import { SuiteId } from '../suites-ids.js';
import { addressFromText, addressToText, ipv4OfMapped } from '../address.js';

/** Wireshark's names (packet-ipsec.c esp_encryption_type_vals). */
export const WIRESHARK_ESP_ALGORITHMS = {
  /** Known to Wireshark 4.0. */
  [SuiteId.AesGcm256]: 'AES-GCM with 16 octet ICV [RFC4106]',
  /** Newer Wireshark releases only; 4.0 cannot decrypt this suite. */
  [SuiteId.ChaCha20Poly1305]: 'ChaCha20 with Poly1305 [RFC7634]',
} as const satisfies Record<SuiteId, string>;

export interface EspSaKeyLogEntry {
  /** Outer source address as text (IPv6, IPv4 or IPv4-mapped). */
  readonly src: string;
  readonly dst: string;
  readonly spi: number;
  readonly suite: SuiteId;
  readonly key: Uint8Array;
  readonly salt: Uint8Array;
}

export function formatEspSaLine(entry: EspSaKeyLogEntry): string {
  const src = outerAddress(entry.src);
  const dst = outerAddress(entry.dst);
  if (src.family !== dst.family) {
    throw new RangeError(`key log: source ${entry.src} and destination ${entry.dst} are of different IP versions`);
  }
  const spi = `0x${entry.spi.toString(16).padStart(8, '0')}`;
  const key = `0x${Buffer.from(entry.key).toString('hex')}${Buffer.from(entry.salt).toString('hex')}`;
  const cells = [src.family, src.text, dst.text, spi, WIRESHARK_ESP_ALGORITHMS[entry.suite], key, 'NULL', ''];
  return cells.map((c) => `"${c}"`).join(',');
}

export interface KeyLogOptions {
  readonly path: string;
  readonly warn: (message: string) => void;
}

export interface KeyLog {
  readonly path: string;
  /** Appends one line per entry (one entry per SA direction), in one write. */
  append(...entries: EspSaKeyLogEntry[]): void;
  close(): void;
}

const PRIVATE_MODE = 0o600;
/** Wireshark's esp_sa address wildcard (IPSEC_SA_WILDCARDS_ANY): matches any address. */
const WILDCARD = '*';
const OPEN_HINTS: Readonly<Record<string, string>> = {
  ELOOP: 'it is a symbolic link; point PIA_KEYLOG at a plain file',
  EISDIR: 'it is a directory; point PIA_KEYLOG at a file inside it',
  ENOENT: 'its directory does not exist; create it or choose another path',
  EACCES: 'permission denied; choose a path this process may write',
};

export function openKeyLog(options: KeyLogOptions): KeyLog {
  const { path, warn } = options;
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  let fd: number;
  try {
    fd = openSync(path, flags, PRIVATE_MODE);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`key log ${path}: cannot open (${code}); ${OPEN_HINTS[code] ?? 'point PIA_KEYLOG at a writable plain file'}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`key log ${path}: not a regular file; point PIA_KEYLOG at a plain file path`);
    const loose = stat.mode & 0o077;
    if (loose !== 0) {
      fchmodSync(fd, PRIVATE_MODE);
      warn(`key log ${path} was accessible to others (mode ${(stat.mode & 0o777).toString(8)}); set it to 600`);
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  warn(`PIA_KEYLOG is on: the ESP keys of every new SA are appended to ${path}; anyone who reads that file can decrypt the traffic. Unset PIA_KEYLOG outside debugging.`);
  let open = true;
  return {
    path,
    append(...entries) {
      if (!open) throw new Error(`key log ${path}: already closed`);
      if (entries.length === 0) return;
      writeSync(fd, entries.map((e) => `${formatEspSaLine(e)}\n`).join(''));
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

function outerAddress(text: string): { family: 'IPv4' | 'IPv6'; text: string } {
  // A zone id (fe80::1%eth0) is local to this host: not on the wire, not in Wireshark's table.
  const bytes = addressFromText(text, { zone: 'drop' });
  const v4 = ipv4OfMapped(bytes);
  // A node bound to :: (or 0.0.0.0) knows no address of its own: never on the wire either, so
  // Wireshark's wildcard "*" (any address, packet-ipsec.c filter_address_match) stands for it.
  const unspecified = v4 === undefined ? bytes.every((b) => b === 0) : v4 === '0.0.0.0';
  const shown = unspecified ? WILDCARD : (v4 ?? addressToText(bytes));
  return { family: v4 === undefined ? 'IPv6' : 'IPv4', text: shown };
}
