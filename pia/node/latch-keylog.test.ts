/** Latching after an exchange (docs/protocol.md §4) and the key log (§8), through two nodes. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterEach } from 'vitest';
import { PeerDiscovery } from '../discovery/index.js';
import { createAead, openEsp, parseEspHeader, inferEsn, ReplayWindow } from '../esp/index.js';
import { seededRandom } from '../handshake/test-support/index.js';
import { cpuSuiteChoice } from '../suite-order.js';
import { SuiteId } from '../suites-ids.js';
import { PiaNode } from './pia-node.js';
import { A, B, isEsp, pair, payloadOf, spiOf, type Pair } from './test-support/index.js';

let p: Pair | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await p?.close();
  p = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('latching (docs/protocol.md §4)', () => {
  it('records the peer in both latch stores once the exchange completes; plaintext is then refused', async () => {
    p = pair('latch');
    const { a, b } = p;
    expect(a.node.plaintextPolicy(B)).toBe('allow');
    expect(b.node.plaintextPolicy('2001:db8:a::1')).toBe('allow');
    await a.node.connect(B);
    await p.settle();
    expect(a.node.plaintextPolicy(B)).toBe('refuse-latched');
    expect(b.node.plaintextPolicy('2001:DB8:A:0::1')).toBe('refuse-latched'); // any spelling of the address
    expect(a.latches.get(B.address)).toMatchObject({ piaPort: 4500, suite: cpuSuiteChoice().suites[0] });
    expect(b.latches.get(A.address)).toMatchObject({ piaPort: 4500, suite: cpuSuiteChoice().suites[0] });
    expect(a.node.plaintextPolicy('2001:db8:c::1')).toBe('allow');
  });

  it('with a PeerDiscovery wired in, tells it of the exchange and the SA, and latches through it', async () => {
    p = pair('discovery');
    const { clock } = p;
    const discovery = new PeerDiscovery({ clock, self: { port: 4500, canInitiate: true }, latches: p.a.latches });
    // a third node on the same network, wired to discovery
    const c = new PiaNode({ transport: p.net.attach('2001:db8:c::1', 4500), clock, random: seededRandom('c'), latches: p.a.latches, discovery });
    try {
      await c.connect(B);
      expect(discovery.peer(B.address).stage).toBe('secured');
      expect(c.plaintextPolicy(B)).toBe('refuse-latched');
      expect(p.a.latches.get(B.address)).toMatchObject({ piaPort: 4500 });
    } finally {
      await c.close();
    }
    expect(discovery.peer(B.address)).toMatchObject({ stage: 'pia-capable', latched: true });
  });
});

describe('key log (docs/protocol.md §8)', () => {
  it('appends both directions of every SA (mode 0600) in lines that decrypt the traffic, and warns once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pia-keylog-'));
    dirs.push(dir);
    const path = join(dir, 'esp_sa');
    const warnings: string[] = [];
    p = pair('keylog', { a: { suites: [SuiteId.AesGcm256], keyLogPath: path, logger: { info: () => undefined, warn: (m) => warnings.push(m) }, limits: { rekeyAfterPackets: 5 } }, echo: 'b' });
    const { a } = p;
    const seen: Uint8Array[] = [];
    p.net.observe((d) => {
      if (isEsp(d.bytes) && d.to.address === B.address) seen.push(d.bytes);
    });
    await a.node.connect(B);
    await p.settle();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const sa = a.node.sa(B)!;
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
    const row = (l: string): string[] => l.split(',').map((c) => c.replace(/^"|"$/g, ''));
    const [inbound, outbound] = lines.map(row);
    expect(inbound!.slice(0, 5)).toEqual(['IPv6', B.address, A.address, hex(sa.spiIn), 'AES-GCM with 16 octet ICV [RFC4106]']);
    expect(outbound!.slice(0, 5)).toEqual(['IPv6', A.address, B.address, hex(sa.spiOut), 'AES-GCM with 16 octet ICV [RFC4106]']);
    expect(outbound![6]).toBe('NULL');
    // the logged key and salt open the packet A sent on that SA (the first dummy)
    const keymat = Buffer.from(outbound![5]!.slice(2), 'hex');
    expect(keymat).toHaveLength(36);
    const packet = seen.find((d) => spiOf(d) === sa.spiOut)!;
    const header = parseEspHeader(packet);
    const opened = openEsp({ header, seq: inferEsn(header.seqLow, new ReplayWindow()), key: keymat.subarray(0, 32), salt: keymat.subarray(32), aead: createAead(SuiteId.AesGcm256, 'noble') });
    expect(opened?.nextHeader).toBe(59);
    // a rekey appends two more lines
    for (let i = 0; i < 6; i++) await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(i) });
    await p.settle();
    expect(a.node.counters.rekeys).toBe(1);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(4);
    expect(warnings.filter((w) => w.includes('PIA_KEYLOG is on'))).toHaveLength(1);
    expect(warnings.join('\n')).not.toContain(outbound![5]!.slice(2, 20));
  });

  it('refuses a key log path it cannot open, naming the path and the fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pia-keylog-'));
    dirs.push(dir);
    expect(() => pair('keylog-bad', { a: { keyLogPath: join(dir, 'missing', 'esp_sa') } })).toThrow(/key log .*missing.*cannot open \(ENOENT\).*create it/);
  });
});
