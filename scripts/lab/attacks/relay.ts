/**
 * The relaying man in the middle of docs/security.md ("What each phase protects against",
 * phase 3), as a program on the lab's on-path host: two PIA nodes, one answering the operator
 * in the gateway's place (nftables sends the operator's datagrams for the gateway's PIA port
 * here), one connecting to the real gateway, and the phase-3 messages carried between them
 * verbatim (what pia/phase3/mitm.test.ts does in memory).
 *
 * Usage: `relay.ts --listen PORT --gateway [ADDR]:PORT`; prints "relay: ready" once both
 * sockets are open, then one line per relayed control message (type and direction, never its
 * bytes: a MAC or a ticket stays out of the output).
 *
 * Flow:
 *  1. the operator's INIT reaches the listening node, which completes phase 2 with it (T_A);
 *  2. the operator's P3_REQ arrives in ESP (next header 253): the listening node hands it to
 *     its `authority` hook (docs/protocol.md §9.4 step 2), which sends it unchanged to the
 *     gateway over a second phase-2 pair (T_B), opened on first need;
 *  3. whatever the gateway sends back on that pair (its P3_RESP: the node runs no requester)
 *     goes to the operator unchanged, on the operator's pair.
 *
 * Must hold: the two exchanges are separate (two X25519 secrets, two transcripts), so the
 * trusted server sees MAC_A over T_A and MAC_B over T_B and denies reason 4 (§9.5); the relay
 * has no identity and never gets phase-3 keys.
 */
import { MemoryLatchStore } from '../../../pia/discovery/index.js';
import { PiaNode, openUdpTransport, type Endpoint } from '../../../pia/node/index.js';
import { systemClock } from '../../../common/index.js';

interface RelayArgs {
  readonly listen: number;
  readonly gateway: Endpoint;
}

function parseArgs(argv: readonly string[]): RelayArgs {
  const value = (flag: string): string => {
    const i = argv.indexOf(flag);
    const v = i < 0 ? undefined : argv[i + 1];
    if (v === undefined) throw new Error(`relay: ${flag} is missing: give --listen PORT --gateway [ADDR]:PORT`);
    return v;
  };
  const listen = Number(value('--listen'));
  const m = /^\[([0-9a-fA-F:]+)\]:(\d+)$/.exec(value('--gateway'));
  if (!Number.isInteger(listen) || listen < 1 || listen > 65535) throw new Error(`relay: --listen ${value('--listen')} is not a port: give 1–65535`);
  if (m === null) throw new Error(`relay: --gateway ${value('--gateway')} is not [ADDR]:PORT: give e.g. [2001:db8::2]:4500`);
  return { listen, gateway: { address: m[1] ?? '', port: Number(m[2]) } };
}

const typeOf = (payload: Uint8Array): string => `type ${payload[1] ?? '?'}`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const clock = systemClock();
  const log = (m: string): void => void process.stdout.write(`relay: ${m}\n`);
  const logger = { info: log, warn: log };
  let operator: Endpoint | undefined;
  let connecting: Promise<void> | undefined;
  const toGateway = new PiaNode({ transport: await openUdpTransport({ port: 0 }), clock, latches: new MemoryLatchStore(), logger });
  const toOperator = new PiaNode({
    transport: await openUdpTransport({ port: args.listen }),
    clock,
    latches: new MemoryLatchStore(),
    logger,
    phase3: {
      authority: {
        async handle(message, source) {
          operator = { address: source.peer.address, port: source.peer.port };
          connecting ??= toGateway.connect(args.gateway);
          await connecting;
          log(`operator → gateway ${typeOf(message)}`);
          await toGateway.sendControl(args.gateway, message);
          return {};
        },
      },
    },
  });
  toGateway.onControl((payload) => {
    if (operator === undefined) return;
    log(`gateway → operator ${typeOf(payload)}`);
    void toOperator.sendControl(operator, Uint8Array.from(payload)).catch((e: Error) => log(`to the operator: ${e.message}`));
  });
  const stop = (): void => void Promise.all([toOperator.close(), toGateway.close()]).finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log(`ready: listening on [::]:${args.listen}, relaying to [${args.gateway.address}]:${args.gateway.port}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
