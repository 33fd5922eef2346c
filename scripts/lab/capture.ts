/**
 * tshark on the lab's router (docs/lab.md "The wire"): a capture on one router-side veth, and
 * its reading back, with or without the operators' key log (docs/protocol.md §8).
 *
 * Flow:
 *  1. `tshark -i IFACE -w PCAP` in the router namespace, printing each packet's UDP length;
 *     live once a probe (one 0xFF byte, a NAT keepalive the gateway drops, RFC 3948 §2.3, UDP
 *     length 9) sent from a host across that veth shows in tshark's output ("Capturing on"
 *     alone is not enough: pia/node/keylog.tshark.test.ts saw packets missing after it);
 *  2. `stop()`: a second marker (two bytes, UDP length 10) closes the capture, then SIGINT to
 *     tshark's process group flushes the pcap;
 *  3. `readCapture`: `tshark -r` with the PIA port decoded as UDP-encapsulated ESP (RFC 3948),
 *     ESP decryption on, and Wireshark's `esp_sa` table from a personal config folder (HOME,
 *     XDG_CONFIG_HOME) holding the key log, or no table at all.
 *
 * Wireshark 4.0 (Debian 12) has no ChaCha20-Poly1305 ESP and no ESN ICV check: the operators
 * whose traffic is read offer AES-256-GCM only (`piactl --suite aes-gcm`), and the ICV check
 * stays off (Wireshark's default; decryption does not depend on the AAD).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './topology.js';

/** The PIA UDP port every lab program uses. */
export const PIA_PORT = 4500;

export interface Capture {
  readonly pcap: string;
  stop(): Promise<void>;
}

/** A node one-liner sending BYTES (hex) to [ADDRESS]:PORT every 50 ms until killed. */
const sender = (hex: string, address: string, port: number): string =>
  `const s=require('node:dgram').createSocket('udp6');setInterval(()=>s.send(Buffer.from('${hex}','hex'),${port},'${address}'),50)`;

export async function startCapture(lab: Lab, o: { iface: string; pcap: string; probeFrom: string; probeTo: string }): Promise<Capture> {
  const tshark = lab.start('router', ['tshark', '-i', o.iface, '-w', o.pcap, '-P', '-l', '-T', 'fields', '-e', 'udp.length'], { name: `tshark -i ${o.iface}` });
  const marker = async (hex: string, udpLength: number): Promise<void> => {
    const probe = lab.start(o.probeFrom, [process.execPath, '-e', sender(hex, o.probeTo, PIA_PORT)], { name: 'capture probe' });
    try {
      await tshark.waitFor(new RegExp(`^${udpLength}$`, 'm'), 20_000);
    } finally {
      if (probe.child.pid !== undefined) process.kill(-probe.child.pid, 'SIGKILL');
    }
  };
  await marker('ff', 9);
  return {
    pcap: o.pcap,
    async stop() {
      await marker('eeee', 10);
      if (tshark.child.pid !== undefined) process.kill(-tshark.child.pid, 'SIGINT');
      const code = await tshark.exited;
      if (code !== 0) throw new Error(`tshark -i ${o.iface} exited ${code}: ${tshark.stderr()}`);
    },
  };
}

/** A Wireshark personal config folder in `dir`, with `esp_sa` = `keyLog` when given. */
export function wiresharkHome(dir: string, keyLog?: string): Record<string, string> {
  mkdirSync(join(dir, 'wireshark'), { recursive: true, mode: 0o700 });
  if (keyLog !== undefined) writeFileSync(join(dir, 'wireshark', 'esp_sa'), keyLog, { mode: 0o600 });
  return { HOME: dir, XDG_CONFIG_HOME: dir };
}

/** One packet: each field's occurrences, outer first (an ESP packet's inner IPv6 comes second). */
export type CaptureRow = Readonly<Record<string, readonly string[]>>;

/** `tshark -r PCAP -Y FILTER` with ESP decoding; one row per packet with `fields`. */
export async function readCapture(lab: Lab, pcap: string, o: { filter: string; fields: readonly string[]; env: Record<string, string> }): Promise<CaptureRow[]> {
  const args = [
    '-r', pcap, '-o', 'esp.enable_encryption_decode:TRUE', '-d', `udp.port==${PIA_PORT},udpencap`,
    '-Y', o.filter, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', ...o.fields.flatMap((f) => ['-e', f]),
  ];
  const r = await lab.run('router', ['tshark', ...args], { name: 'tshark -r', env: o.env, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`tshark -r ${pcap} exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const values = line.split('\t');
      return Object.fromEntries(o.fields.map((f, i) => [f, (values[i] ?? '') === '' ? [] : (values[i] ?? '').split('|')]));
    });
}
