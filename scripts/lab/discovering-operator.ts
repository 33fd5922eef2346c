/**
 * An operator that starts in plain CoAP, as the slides' phase 1 does (docs/protocol.md §4), run
 * on a lab host: `node --import tsx scripts/lab/discovering-operator.ts --credential FILE
 * --device ADDRESS --path A/B`. piactl goes to PIA at once; this one discovers it.
 *
 * Flow:
 *   1. a PIA node on its own UDP port (the operator's credential, phase 3 through the trusted
 *      server; `PIA_KEYLOG` as for piactl);
 *   2. a plain CoAP GET from another socket to the device, carrying the discovery option
 *      ("I can initiate", the node's port): a short request, so the gateway answers and echoes
 *      its option without starting anything (§4: what a request triggers is no larger than it);
 *   3. from the echo, the gateway's PIA address and port; the node starts the key exchange
 *      there and waits for phase 3;
 *   4. the same GET through the node (ESP), and a second one.
 * Prints one JSON line: `{"plain": {code, echo}, "pia": [code, code], "phase": 3}`; exit 0, or
 * 1 with the step that failed on stderr.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../../common/index.js';
import { CoapClient, piaTransport, plainTransport } from '../../coap/index.js';
import { loadIdentity } from '../../pia/credential/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { SuiteId, addressToText } from '../../pia/index.js';
import { PiaNode, openUdpTransport, type Endpoint } from '../../pia/node/index.js';

const TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { credential: { type: 'string' }, device: { type: 'string' }, path: { type: 'string' } }, strict: true });
  const { credential, device, path } = values;
  if (credential === undefined || device === undefined || path === undefined) throw new Error('give --credential FILE --device ADDRESS --path A/B');
  const operator = loadIdentity(credential);
  const clock = systemClock();
  const keyLogPath = process.env.PIA_KEYLOG;

  // 1. the PIA node
  const piaSocket = await openUdpTransport({ address: '::', port: 0, connectPeers: true });
  const node = new PiaNode({
    transport: piaSocket,
    clock,
    latches: new MemoryLatchStore(),
    phase3: { identity: operator.identity, trustServers: operator.trustServers, trustServerId: operator.serverId },
    suites: [SuiteId.AesGcm256], // the suite tshark 4.0 decrypts (docs/protocol.md §8)
    ...(keyLogPath === undefined ? {} : { keyLogPath }),
  });
  const plainSocket = await openUdpTransport({ address: '::', port: 0 });
  const plain = new CoapClient({ transport: plainTransport([plainSocket]), clock, responseTimeoutMs: TIMEOUT_MS });
  try {
    // 2. plain, with the discovery option
    const target = { to: { address: device, port: 5683 }, path: path.split('/'), query: [] };
    const first = await plain.get(target, { discovery: { canInitiate: true, latched: false, port: piaSocket.local.port } });
    if (first.discovery === undefined) throw new Error(`step 2: the plain answer (${first.codeText}) carries no discovery option`);

    // 3. the key exchange toward the gateway's PIA endpoint, then phase 3
    const echoed = first.discovery.address;
    const gateway: Endpoint = { address: echoed === undefined ? device : addressToText(echoed), port: first.discovery.port };
    await node.connect(gateway);
    await node.phase3Ready(gateway, TIMEOUT_MS);

    // 4. the same request through the node
    const transport = piaTransport(node, { port: 50_000 + Math.floor(Math.random() * 10_000), route: () => gateway });
    const secure = new CoapClient({ transport, clock, responseTimeoutMs: TIMEOUT_MS });
    const overPia = [await secure.get(target), await secure.get(target)];
    await secure.close();
    await transport.close();
    const phase = overPia.every((r) => r.ctx.phase === 3) ? 3 : Math.min(...overPia.map((r) => r.ctx.phase));
    console.log(JSON.stringify({ plain: { code: first.codeText, echo: first.discovery }, pia: overPia.map((r) => r.codeText), phase, gateway }));
  } finally {
    await plain.close();
    await plainSocket.close();
    await node.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`discovering-operator: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
