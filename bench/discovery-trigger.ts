/**
 * Bench: what a plain CoAP request carrying the PIA discovery option makes the gateway send
 * (docs/protocol.md §4), counted in bytes on the in-memory network with the demo building.
 *
 * For each request size, in one run, two sources whose PIA port answers nothing (a forged
 * source, or a host that never speaks PIA) send the same GET to the gateway, one without the
 * option (baseline: the CoAP answer alone) and one with it; each is followed by 120 s of
 * simulated time so every retransmission the gateway would make is counted. Triggered bytes =
 * bytes to the second source − bytes to the first: the echo, and any INIT. Printed: the
 * request's bytes, the triggered bytes, the INITs among them, and triggered ÷ request (≤ 1:
 * no amplification).
 *
 * Run: npx tsx bench/discovery-trigger.ts
 */
import { decodeKx, isKxDatagram } from '../pia/handshake/index.js';
import { memoryGateway, type MemoryGateway } from '../firmware/gateway/test-support/index.js';

/** An experimental elective option (RFC 7252 §12.2) a server ignores: pads a request. */
const PADDING_OPTION = 65004;
const PADDINGS = [0, 60, 400] as const;

export interface TriggerRow {
  readonly requestBytes: number;
  readonly triggeredBytes: number;
  readonly inits: number;
  readonly ratio: number;
}

async function bytesTo(gw: MemoryGateway, address: string, pad: number, withOption: boolean): Promise<{ sent: number; received: number; inits: number }> {
  const counted = { sent: 0, received: 0, inits: 0 };
  gw.net.observe((d) => {
    if (d.from.address === address) counted.sent += d.bytes.length;
    if (d.to.address !== address) return;
    counted.received += d.bytes.length;
    if (isKxDatagram(d.bytes) && decodeKx(d.bytes).kind === 'init') counted.inits++;
  });
  const op = gw.operator(`src-${address}`, address, { devices: '*', rights: ['read'] });
  await op.node.close(); // nothing answers at its PIA port
  const options = pad === 0 ? [] : [{ number: PADDING_OPTION, value: new Uint8Array(pad) }];
  const discovery = withOption ? { discovery: { canInitiate: true, latched: false, port: 4500 } } : {};
  await gw.settle(op.plain.get(gw.uri('rack-temp', 'temperature'), { ...discovery, options }));
  await gw.clock.advance(120_000);
  return counted;
}

export async function main(): Promise<TriggerRow[]> {
  const gw = await memoryGateway();
  const rows: TriggerRow[] = [];
  try {
    for (const [i, pad] of PADDINGS.entries()) {
      const plain = await bytesTo(gw, `2001:db8:98::${i + 1}`, pad, false);
      const withOption = await bytesTo(gw, `2001:db8:97::${i + 1}`, pad, true);
      const triggered = withOption.received - plain.received;
      rows.push({ requestBytes: withOption.sent, triggeredBytes: triggered, inits: withOption.inits, ratio: triggered / withOption.sent });
    }
  } finally {
    await gw.close();
  }
  console.log('A plain GET with the discovery option from a source that never answers, against the demo gateway (in memory, 120 s of simulated time each)');
  for (const r of rows) {
    console.log(`  request ${String(r.requestBytes).padStart(4)} B → triggered ${String(r.triggeredBytes).padStart(4)} B (${r.inits} INIT${r.inits === 1 ? '' : 's'}): ${r.ratio.toFixed(2)} bytes out per byte in`);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
