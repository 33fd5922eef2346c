/**
 * An attacker that begins key exchanges and abandons them (docs/protocol.md §3 "half-open
 * lifetime"), on the in-memory network: the n-th INIT comes from its own endpoint (spread over
 * many /64s), echoes the COOKIE the responder demands (the attacker receives at its addresses),
 * and stops at RESP: never a CONFIRM. One g^i for all: the responder still draws its own key.
 */
import { X25519KeyPair, decodeKx, encodeKx, type KxInit } from '../../handshake/index.js';
import type { MemoryNetwork } from '../memory-network.js';
import type { Endpoint } from '../transport.js';

export interface Abandoner {
  /** Begins the n-th exchange (n unique). */
  begin(n: number): void;
  /** RESPs received: exchanges really begun. */
  readonly resps: number;
}

/** The n-th attacker endpoint: its own address, over many /64s so no prefix limit is what stops it. */
export function attackerEndpoint(n: number): Endpoint {
  return { address: `2001:db8:${(n >> 16).toString(16)}:${((n >> 8) & 0xff).toString(16)}::${((n & 0xff) + 1).toString(16)}`, port: 1024 + (n % 60_000) };
}

export function abandoner(net: MemoryNetwork, responder: Endpoint): Abandoner {
  const gi = new X25519KeyPair(new Uint8Array(32).fill(9)).publicKey;
  const inits = new Map<string, KxInit>();
  let resps = 0;
  net.intercept((d) => {
    if (d.from.address !== responder.address || d.from.port !== responder.port) return undefined;
    const msg = decodeKx(d.bytes);
    const key = `${d.to.address}/${d.to.port}`;
    const init = inits.get(key);
    if (msg.kind === 'cookie' && init !== undefined) net.inject(d.to, responder, encodeKx({ ...init, cookie: msg.cookie }));
    if (msg.kind === 'resp') {
      resps++;
      inits.delete(key);
    }
    return 'drop';
  });
  return {
    begin(n) {
      const ni = new Uint8Array(32);
      new DataView(ni.buffer).setUint32(0, n);
      const init: KxInit = { kind: 'init', spiI: 0x10000 + (n % 0x7fff0000), ni, gi, suites: [1, 2], cookie: new Uint8Array(0) };
      const from = attackerEndpoint(n);
      inits.set(`${from.address}/${from.port}`, init);
      net.inject(from, responder, encodeKx(init));
    },
    get resps() {
      return resps;
    },
  };
}
