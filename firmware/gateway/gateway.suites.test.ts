/** The gateway's PIA suites: gateway.yaml pia.suites, else the CPU's order, logged once at start (firmware/config/README.md "pia"). */
import { afterEach, describe, expect, it } from 'vitest';
import { SuiteId, cpuSuiteChoice } from '../../pia/index.js';
import { memoryGateway, type MemoryGateway } from './test-support/index.js';

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const suiteLines = (g: MemoryGateway): string[] => g.logs.map((l) => String(l.msg)).filter((m) => m.startsWith('PIA suites:'));

describe('the gateway PIA suites', () => {
  it('pia.suites in gateway.yaml: logged once as set there, and the only suite offered or accepted', async () => {
    t = await memoryGateway({ pia: { suites: [SuiteId.ChaCha20Poly1305] } });
    expect(suiteLines(t)).toEqual(['PIA suites: chacha20-poly1305 (set by pia.suites in gateway.yaml)']);
    const op = t.operator('carol', '2001:db8:99::3'); // its node offers this host's CPU order
    await t.settle(op.node.connect(t.pia));
    expect(op.node.sa(t.pia)?.suite).toBe(SuiteId.ChaCha20Poly1305);
  });

  it("left out: the CPU's order, logged once with the reason and how to override it", async () => {
    t = await memoryGateway();
    const cpu = cpuSuiteChoice();
    const names = cpu.suites.map((s) => (s === SuiteId.AesGcm256 ? 'aes-256-gcm' : 'chacha20-poly1305')).join(', ');
    expect(suiteLines(t)).toEqual([`PIA suites: ${names} (${cpu.why}; override with pia.suites in gateway.yaml, preferred first, e.g. pia: { suites: [aes-gcm, chacha20] })`]);
    const op = t.operator('dave', '2001:db8:99::4');
    await t.settle(op.node.connect(t.pia));
    expect(op.node.sa(t.pia)?.suite).toBe(cpu.suites[0]);
  });
});
