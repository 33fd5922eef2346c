/**
 * The on-path host's sender (docs/security.md "The attack stage in the lab"): unauthenticated
 * datagrams to one endpoint, from an address of the attacker's choosing. On the on-path host
 * the source may be the operator's own address (`net.ipv6.ip_nonlocal_bind=1`): the replies
 * still cross the on-path host, which counts them (nftables), and reach the operator, who
 * drops them.
 *
 * Usage:
 *   send-datagrams.ts --to [ADDR]:PORT [--from ADDR] [--from-port N] --inits --per-second R --seconds S
 *   send-datagrams.ts --to [ADDR]:PORT [--from ADDR] [--from-port N] --hex HEX[,HEX…]
 * prints `sent N datagrams, B bytes` (UDP payload bytes) and exits 0.
 *
 * Must hold: each INIT is a well-formed phase-2 INIT (docs/protocol.md §5) with a fresh SPIi
 * and Ni, one g^i for all and no cookie: an unproven INIT whose sender never answers a COOKIE;
 * the flood is paced in 10 ms batches so it lasts the seconds asked.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { X25519KeyPair, encodeKx } from '../../../pia/handshake/index.js';

function option(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
}

function need(argv: readonly string[], flag: string, example: string): string {
  const v = option(argv, flag);
  if (v === undefined) throw new Error(`send-datagrams: ${flag} is missing: give ${flag} ${example}`);
  return v;
}

const number = (text: string, flag: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`send-datagrams: ${flag} ${text} is not a number ≥ 0`);
  return n;
};

/** An unproven INIT with the X25519 key `gi` (§5): fresh SPIi and Ni, no cookie. */
function unprovenInit(gi: Uint8Array): Uint8Array {
  return encodeKx({ kind: 'init', spiI: 0x1000 + randomBytes(3).readUIntBE(0, 3), ni: randomBytes(32), gi, suites: [1, 2], cookie: new Uint8Array(0) });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const to = /^\[([0-9a-fA-F:]+)\]:(\d+)$/.exec(need(argv, '--to', '[ADDR]:PORT'));
  if (to === null) throw new Error(`send-datagrams: --to ${option(argv, '--to')} is not [ADDR]:PORT: give e.g. [2001:db8::2]:4500`);
  const [address, port] = [to[1] ?? '', Number(to[2])];
  const from = option(argv, '--from') ?? '::';
  const fromPort = number(option(argv, '--from-port') ?? '0', '--from-port');
  const socket = createSocket({ type: 'udp6', ipv6Only: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: from, port: fromPort }, () => resolve());
  });
  socket.on('error', () => undefined); // ICMP errors for earlier datagrams: the attacker does not care
  let sent = 0;
  let bytes = 0;
  const send = (payload: Uint8Array): Promise<void> =>
    new Promise((resolve) => {
      socket.send(payload, port, address, () => resolve());
      sent += 1;
      bytes += payload.length;
    });
  if (argv.includes('--inits')) {
    const perSecond = number(need(argv, '--per-second', '2000'), '--per-second');
    const seconds = number(need(argv, '--seconds', '5'), '--seconds');
    const gi = new X25519KeyPair(randomBytes(32)).publicKey;
    const t0 = performance.now();
    for (let batch = 0; batch < (seconds * 1000) / 10; batch++) {
      await Promise.all(Array.from({ length: Math.round(perSecond / 100) }, () => send(unprovenInit(gi))));
      const wait = t0 + (batch + 1) * 10 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } else {
    for (const hex of need(argv, '--hex', 'HEX[,HEX…]').split(',')) await send(Buffer.from(hex, 'hex'));
  }
  socket.close();
  process.stdout.write(`sent ${sent} datagrams, ${bytes} bytes\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
