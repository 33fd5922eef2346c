/**
 * One piactl session with a gateway: the credential, a PIA node on a UDP socket, the phase-3
 * connection (connect.ts), and a CoAP client whose requests ride the SA as inner UDP packets
 * to the device's own address (coap/transport/pia.ts).
 *
 * Flow:
 *  1. read the credential (pia/credential: mode 0600, every field) → a refusal is exit 2;
 *  2. which gateway is meant (gateway-pin.ts: --gateway-id, or the known-gateways file);
 *     open the socket ([::]:0, connected to each peer: docs/protocol.md §2 "Sockets") and the
 *     node with the operator's identity and trusted server (pinned by the credential's server
 *     ID); bound to [::], the node's inner source is the address the OS sends from (§6);
 *  3. establish phase 3 with the gateway (bounded by --timeout), naming the gateway expected;
 *     one met for the first time is recorded in the known-gateways file;
 *  4. a CoAP client on an ephemeral inner port, every datagram routed through the gateway's SA;
 *  5. `ask` races each request with --timeout and the signal, and turns CoAP client failures
 *     into exit codes; `onGatewayClosed` hears the gateway's CLOSE (§6: reason 3 'revoked' when
 *     the trusted server withdrew this operator's access, §9.11), so a long command ends at once; `close` closes the client, the transport and the node on every path
 *     (the node's CLOSE tells the gateway at once that this operator is gone, §6).
 */
import { randomInt } from 'node:crypto';
import { systemClock, type Clock } from '../../common/index.js';
import { CoapClient, CoapClientError, piaTransport } from '../../coap/index.js';
import { watchSends, type CloseReason, type SendFailure } from '../../pia/node/index.js';
import { CredentialError, loadIdentity, type LoadedIdentity } from '../../pia/credential/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { nodeIdToText } from '../../pia/phase3/index.js';
import { PiaNode, openUdpTransport, type DatagramTransport, type Endpoint } from '../../pia/node/index.js';
import type { SessionOptions } from './args.js';
import { establish, type Established } from './connect.js';
import { gatewayPin } from './gateway-pin.js';
import { CommandError, ExitCode } from './exit-codes.js';
import type { PiactlIo } from './io.js';

export interface Session {
  readonly gateway: Endpoint;
  readonly established: Established;
  readonly operator: LoadedIdentity;
  readonly client: CoapClient;
  readonly clock: Clock;
  /** Resolves with `p`, or rejects with a CommandError: CoAP failure, no answer within `timeoutMs` (default --timeout), signal. */
  ask<T>(what: string, p: Promise<T>, timeoutMs?: number): Promise<T>;
  /** The gateway closed the association (CLOSE, docs/protocol.md §6) with this reason. */
  onGatewayClosed(listener: (reason: CloseReason) => void): () => void;
  close(): Promise<void>;
}

/** Steps 1–3 only (ping needs no CoAP): the node, connected at phase 3, and its closer. */
export interface Connection {
  readonly node: PiaNode;
  readonly clock: Clock;
  readonly operator: LoadedIdentity;
  readonly established: Established;
  close(): Promise<void>;
}

export function readCredential(path: string): LoadedIdentity {
  try {
    return loadIdentity(path);
  } catch (e) {
    if (!(e instanceof CredentialError)) throw e;
    const where = / cannot read \(ENOENT\)/.test(e.message) ? "; piactl reads --credential FILE, else $PIACTL_CREDENTIAL, else ~/.config/piactl/credential.json; an administrator makes one with 'pia-trust node add --kind operator --label NAME --out FILE'" : '';
    throw new CommandError(ExitCode.Usage, `${e.message}${where}`);
  }
}

export async function connect(o: SessionOptions, io: PiactlIo): Promise<Connection> {
  const operator = readCredential(o.credential);
  const pin = gatewayPin(o); // the known-gateways file: a bad line is exit 2 before anything is sent
  const clock = io.clock ?? systemClock();
  const warn = (m: string): void => void io.stderr.write(`piactl: warning: ${m}\n`);
  let transport: DatagramTransport;
  try {
    transport = await (io.openTransport ?? openUdpTransport)({ address: '::', port: 0, connectPeers: true, onError: (err) => warn(`socket: ${err.message}`) });
  } catch (e) {
    throw new CommandError(ExitCode.Usage, `cannot open a UDP socket: ${(e as Error).message}`);
  }
  const failures: ((f: SendFailure) => void)[] = [];
  const watched = watchSends(transport, (f) => failures.forEach((l) => l(f)));
  const keyLogPath = io.env?.PIA_KEYLOG;
  let node: PiaNode;
  try {
    node = new PiaNode({
      ...io.node,
      transport: watched,
      clock,
      latches: new MemoryLatchStore({ log: warn }),
      logger: { info: () => undefined, warn },
      phase3: { identity: operator.identity, trustServers: operator.trustServers, trustServerId: operator.serverId },
      ...(o.suites === undefined ? {} : { suites: o.suites }),
      ...(keyLogPath !== undefined && keyLogPath !== '' ? { keyLogPath } : {}),
    });
  } catch (e) {
    await transport.close();
    throw new CommandError(ExitCode.Usage, `PIA_KEYLOG: ${(e as Error).message}`);
  }
  try {
    const established = await establish({
      node,
      gateway: o.gateway,
      clock,
      timeoutMs: o.timeoutMs,
      signal: io.signal,
      onSendFailure: (l) => void failures.push(l),
      operatorId: nodeIdToText(operator.identity.id),
      ...(pin.expected === undefined ? {} : { expected: pin.expected }),
    });
    pin.remember(established, io.stderr);
    return { node, clock, operator, established, close: () => node.close() };
  } catch (e) {
    await node.close();
    throw e;
  }
}

export async function openSession(o: SessionOptions, io: PiactlIo): Promise<Session> {
  const c = await connect(o, io);
  const transport = piaTransport(c.node, { port: randomInt(49152, 65536), route: () => o.gateway });
  const client = new CoapClient({ transport, clock: c.clock, responseTimeoutMs: o.timeoutMs });
  return {
    gateway: o.gateway,
    established: c.established,
    operator: c.operator,
    client,
    clock: c.clock,
    ask: (what, p, timeoutMs = o.timeoutMs) => ask(c.clock, io.signal, what, p, timeoutMs),
    // The node has one peer, the gateway (the trusted server is reached through it, §9.4).
    onGatewayClosed: (listener) => c.node.onEvent((e) => (e.kind === 'peer-closed' ? listener(e.reason) : undefined)),
    async close() {
      await client.close();
      await transport.close();
      await c.close();
    },
  };
}

function ask<T>(clock: Clock, signal: AbortSignal, what: string, p: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const settle = (f: () => void): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      f();
    };
    const timer = clock.setTimeout(
      () => settle(() => reject(new CommandError(ExitCode.Unreachable, `${what}: no answer within ${timeoutMs} ms; the gateway is up (phase 3 completed), so the device may be slow or not served at that address ('piactl ls' lists what is); raise --timeout for a slow one`))),
      timeoutMs,
    );
    const onAbort = (): void => settle(() => reject(new CommandError(ExitCode.Interrupted, `${what}: interrupted`)));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    p.then(
      (v) => settle(() => resolve(v)),
      (e: unknown) => settle(() => reject(clientFailure(what, e, signal))),
    );
  });
}

/** A CoAP client failure (no usable answer) → the exit code it stands for. */
export function clientFailure(what: string, e: unknown, signal?: AbortSignal): Error {
  if (!(e instanceof CoapClientError)) return e instanceof Error ? e : new Error(String(e));
  switch (e.kind) {
    case 'timeout':
    case 'send':
      return new CommandError(ExitCode.Unreachable, `${e.message}`, { what });
    case 'closed':
      return signal?.aborted === true ? new CommandError(ExitCode.Interrupted, `${what}: interrupted`) : new CommandError(ExitCode.Unreachable, `${what}: ${e.message}`);
    case 'reset':
    case 'blockwise':
    case 'format':
      return new CommandError(ExitCode.DeviceError, e.message, { what });
  }
}

