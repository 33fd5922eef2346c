/**
 * The key log (docs/protocol.md §8) against a real Wireshark: a capture
 * of two nodes on ::1 decrypts with the key log installed as Wireshark's `esp_sa` table, and
 * the decrypted ESP holds well-formed inner IPv6/UDP packets (§6, tunnel mode).
 *
 *  1. two PiaNodes on real UDP (::1), the initiator offering AES-256-GCM only and bound to ::
 *     as `pia ping` is (so its key log lines name it by the wildcard "*"); it writes its key log
 *     straight into a Wireshark personal config dir (<tmp>/xdg/wireshark/esp_sa), as a person
 *     debugging does with PIA_KEYLOG=~/.config/wireshark/esp_sa; a third node, ChaCha20-only,
 *     logs to a separate file;
 *  2. `tshark -i lo -f "udp port P"` (P = the responder's port) writes a pcap; the capture is
 *     known to be live once a probe datagram (a 1-byte 0xFF NAT keepalive, RFC 3948 §2.3, that
 *     the node drops) shows in tshark's own output. "Capturing on" on stderr is not enough:
 *     packets sent right after it were missing from the pcap in trials;
 *  3. the exchange, a dummy, echoes with distinctive payloads (one with explicit inner
 *     addresses, one with none: the wildcard-bound node then puts the address its OS sends
 *     from, §6, never `::`); a 2-byte end marker, seen by tshark, closes the capture; SIGINT
 *     stops it;
 *  4. `tshark -r` the pcap with -d udp.port==P,udpencap and esp.enable_encryption_decode:
 *     with the AES key log every ESP packet decrypts and shows the inner addresses, ports and
 *     payload the nodes used; with AES and ChaCha20 lines in one file the AES packets still
 *     decrypt (Wireshark 4.0 rejects the ChaCha20 line: it has no ChaCha20-Poly1305, newer
 *     releases do); no decrypted inner address is `::` (RFC 4291 §2.5.2); without the file
 *     nothing decrypts (so this test can fail).
 *
 * Wireshark 4.0 knows no ESN: with esp.enable_authentication_check on it would flag every
 * ICV as incorrect (it computes the AAD without the high 32 bits, §8); the check is off
 * (Wireshark's default), decryption does not depend on the AAD.
 */
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import { ProcessTracker } from '../../common/test-support/index.js';
import { MemoryLatchStore } from '../discovery/index.js';
import { SuiteId } from '../suites-ids.js';
import { PiaNode } from './pia-node.js';
import type { Endpoint } from './transport.js';
import { openUdpTransport } from './udp-transport.js';

const tracker = new ProcessTracker();
const nodes: PiaNode[] = [];
const dir = mkdtempSync(join(tmpdir(), 'pia-tshark-'));
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
  await tracker.stopAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Inner UDP port of the echo service here; tshark is told its payload is plain data. */
const INNER_PORT = 5555;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hex8 = (spi: number): string => `0x${spi.toString(16).padStart(8, '0')}`;

async function udpNode(address: string, suites: readonly SuiteId[], keyLogPath?: string): Promise<PiaNode> {
  const transport = await openUdpTransport({ address, port: 0 });
  const node = new PiaNode({ transport, clock: systemClock(), latches: new MemoryLatchStore(), suites, logger: { info: () => undefined, warn: () => undefined }, ...(keyLogPath === undefined ? {} : { keyLogPath }) });
  nodes.push(node);
  return node;
}

/** A Wireshark personal config dir (HOME and XDG_CONFIG_HOME) holding `esp_sa` lines, if any. */
function wiresharkHome(name: string, lines?: string): Record<string, string> {
  const home = join(dir, name);
  mkdirSync(join(home, 'wireshark'), { recursive: true });
  if (lines !== undefined) writeFileSync(join(home, 'wireshark', 'esp_sa'), lines, { mode: 0o600 });
  return { HOME: home, XDG_CONFIG_HOME: home };
}

interface Row {
  readonly spi: string;
  readonly ip6src: string[];
  readonly ip6dst: string[];
  readonly srcPort: number[];
  readonly dstPort: number[];
  readonly data: string;
}

const FIELDS = ['esp.spi', 'ipv6.src', 'ipv6.dst', 'udp.srcport', 'udp.dstport', 'data.data'];

/** `tshark -r` with ESP decryption; one row per ESP packet (outer then inner values). */
async function decode(pcap: string, port: number, env: Record<string, string>): Promise<{ rows: Row[]; stderr: string }> {
  const args = [
    '-r', pcap, '-o', 'esp.enable_encryption_decode:TRUE', '-d', `udp.port==${port},udpencap`, '-d', `udp.port==${INNER_PORT},data`,
    '-Y', 'esp', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap((f) => ['-e', f]),
  ];
  const r = await tracker.run('tshark', args, 15_000, { name: 'tshark -r', env });
  expect(r.code, r.stderr).toBe(0);
  const rows = r.stdout.trim().split('\n').map((line) => {
    const [spi = '', src = '', dst = '', sp = '', dp = '', data = ''] = line.split('\t');
    const list = (s: string): string[] => (s === '' ? [] : s.split(','));
    return { spi, ip6src: list(src), ip6dst: list(dst), srcPort: list(sp).map(Number), dstPort: list(dp).map(Number), data };
  });
  return { rows, stderr: r.stderr };
}

interface Sent {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly spi: number;
  readonly innerSrc: string;
  readonly innerDst: string;
  readonly srcPort: number;
  readonly payload: Uint8Array;
  /** Sent without inner addresses: the node's defaults (`innerSrc`/`innerDst` are what they must come out as). */
  readonly defaults?: boolean;
}

/** The decrypted row of each request and of its echo: inner addresses, ports and payload as sent. */
function expectDecrypted(rows: Row[], sent: readonly Sent[], replySpi: number): void {
  for (const s of sent) {
    const request = rows.find((r) => r.spi === hex8(s.spi) && r.srcPort[1] === s.srcPort);
    expect(request, `request from inner port ${s.srcPort}`).toEqual({
      spi: hex8(s.spi),
      ip6src: [s.from.address, s.innerSrc],
      ip6dst: [s.to.address, s.innerDst],
      srcPort: [s.from.port, s.srcPort],
      dstPort: [s.to.port, INNER_PORT],
      data: hex(s.payload),
    });
    const reply = rows.find((r) => r.spi === hex8(replySpi) && r.dstPort[1] === s.srcPort);
    expect(reply, `reply to inner port ${s.srcPort}`).toEqual({
      spi: hex8(replySpi),
      ip6src: [s.to.address, s.innerDst],
      ip6dst: [s.from.address, s.innerSrc],
      srcPort: [s.to.port, INNER_PORT],
      dstPort: [s.from.port, s.srcPort],
      data: hex(s.payload),
    });
  }
}

describe('key log → Wireshark (tshark) decrypts a real capture', () => {
  it('AES-256-GCM: every ESP packet decrypts to the inner IPv6/UDP packet sent; without the key log none does', async () => {
    const xdg = wiresharkHome('xdg');
    const keyLog = join(xdg.XDG_CONFIG_HOME!, 'wireshark', 'esp_sa');
    const chachaLog = join(dir, 'chacha-keylog');
    const a = await udpNode('::', [SuiteId.AesGcm256], keyLog); // like `pia ping`: bound to any address
    const c = await udpNode('::1', [SuiteId.ChaCha20Poly1305], chachaLog);
    const b = await udpNode('::1', [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305]);
    const waiters = new Map<string, () => void>();
    b.onData((payload, ctx, inner) => void b.send(ctx.peer, { srcPort: inner.dstPort, dstPort: inner.srcPort, payload, innerSrc: inner.dst, innerDst: inner.src }));
    for (const n of [a, c]) n.onData((payload) => waiters.get(hex(payload))?.());
    const P = b.local.port;

    // 2. capture, live once a probe shows in tshark's output
    const pcap = join(dir, 'capture.pcap');
    const capture = tracker.start('tshark', ['-i', 'lo', '-f', `udp port ${P}`, '-w', pcap, '-P', '-l', '-T', 'fields', '-e', 'udp.length'], { name: 'tshark capture', env: xdg });
    const probe = createSocket('udp6');
    const marker = async (bytes: Uint8Array, udpLength: number): Promise<void> => {
      const timer = setInterval(() => probe.send(bytes, P, '::1'), 50);
      try {
        await capture.waitFor(new RegExp(`^${udpLength}$`, 'm'), 10_000);
      } finally {
        clearInterval(timer);
      }
    };
    await marker(Uint8Array.of(0xff), 9);

    // 3. traffic: AES (a ↔ b) and ChaCha20 (c ↔ b)
    const echo = async (from: PiaNode, s: Omit<Sent, 'from' | 'to' | 'spi'>): Promise<Sent> => {
      const got = new Promise<void>((resolve) => waiters.set(hex(s.payload), resolve));
      await from.send(b.local, { srcPort: s.srcPort, dstPort: INNER_PORT, payload: s.payload, ...(s.defaults === true ? {} : { innerSrc: s.innerSrc, innerDst: s.innerDst }) });
      await got;
      return { ...s, from: { address: '::1', port: from.local.port }, to: b.local, spi: from.sa(b.local)!.spiOut };
    };
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    await a.connect(b.local);
    const sent: Sent[] = [];
    for (let i = 0; i < 3; i++) sent.push(await echo(a, { srcPort: 40000 + i, innerSrc: '::1', innerDst: '::1', payload: text(`PIA key log check #${i} \u00a7 ${'x'.repeat(i * 20)}`) }));
    sent.push(await echo(a, { srcPort: 40100, innerSrc: '2001:db8:a::1', innerDst: '2001:db8:b::1', payload: Uint8Array.from({ length: 300 }, (_, k) => (k * 7) & 0xff) }));
    // no inner addresses given: a is bound to ::, so its inner source is the one its OS sends from toward ::1 (§6)
    sent.push(await echo(a, { srcPort: 40101, innerSrc: '::1', innerDst: '::1', defaults: true, payload: text('PIA inner defaults from a node bound to ::') }));
    await c.connect(b.local);
    const chachaSent = await echo(c, { srcPort: 40200, innerSrc: '::1', innerDst: '::1', payload: text('PIA chacha20 in the capture') });
    await marker(Uint8Array.of(0xee, 0xee), 10);
    probe.close();
    process.kill(-capture.child.pid!, 'SIGINT'); // tshark and its dumpcap: the pcap is flushed
    expect(await capture.exited).toBe(0);
    const aSa = a.sa(b.local)!;

    // 4a. the AES key log as Wireshark's esp_sa: every packet decrypts, nothing is rejected;
    // a is bound to ::, so its own address is Wireshark's wildcard in the log
    expect(readFileSync(keyLog, 'utf8')).toMatch(/^"IPv6","::1","\*","0x[0-9a-f]{8}","AES-GCM with 16 octet ICV \[RFC4106\]","0x[0-9a-f]{72}","NULL",""\n"IPv6","\*","::1",/);
    const withLog = await decode(pcap, P, xdg);
    expect(withLog.stderr).not.toMatch(/Error loading table|invalid value/);
    expectDecrypted(withLog.rows, sent, aSa.spiIn);
    const innerAddresses = withLog.rows.filter((r) => r.ip6src.length === 2).flatMap((r) => [r.ip6src[1], r.ip6dst[1]]);
    expect(innerAddresses.length).toBeGreaterThanOrEqual(4 * sent.length);
    expect(innerAddresses).not.toContain('::'); // RFC 4291 §2.5.2: never a destination, so never our source either
    const aesRows = withLog.rows.filter((r) => r.spi === hex8(aSa.spiOut) || r.spi === hex8(aSa.spiIn));
    expect(aesRows).toHaveLength(1 + 2 * sent.length); // the initiator's dummy, then request and reply each
    expect(aesRows.filter((r) => r.ip6src.length === 2)).toHaveLength(2 * sent.length); // the dummy has no inner packet (next header 59)

    // 4b. AES and ChaCha20 lines in one esp_sa: the AES packets still decrypt
    const mixed = await decode(pcap, P, wiresharkHome('xdg-mixed', readFileSync(keyLog, 'utf8') + readFileSync(chachaLog, 'utf8')));
    expectDecrypted(mixed.rows, sent, aSa.spiIn);
    const chachaRequest = mixed.rows.find((r) => r.spi === hex8(chachaSent.spi));
    if (/invalid value: ChaCha20 with Poly1305/.test(mixed.stderr)) {
      expect(chachaRequest?.ip6src).toEqual(['::1']); // Wireshark 4.0: no ChaCha20-Poly1305, the packet stays opaque
    } else {
      expect(chachaRequest?.data).toBe(hex(chachaSent.payload)); // a release that knows RFC 7634
    }

    // 4c. the same capture without esp_sa: ESP seen, nothing inside it readable
    const without = await decode(pcap, P, wiresharkHome('xdg-empty'));
    expect(without.rows.filter((r) => r.spi === hex8(aSa.spiOut))).toHaveLength(1 + sent.length);
    expect(without.rows.every((r) => r.ip6src.length === 1 && r.data === '')).toBe(true);
    const all = without.rows.map((r) => r.data).join('');
    for (const s of sent) expect(all).not.toContain(hex(s.payload));
  });
});
