/**
 * `npm start`: the gateway demo, everything embedded (scripts/demo/stack.ts): a trusted server,
 * a simulated building with every device kind, the gateway serving it over plain CoAP and PIA,
 * and credentials for two operators. Prints the piactl and coap-client commands to try.
 * The options are in scripts/demo/args.ts (`npm start -- --help`); with `--events`, lines on
 * standard input make the building do things (scripts/demo/building-events.ts).
 * Ctrl-C stops cleanly: the door relocks, the fan goes to its safe speed, addresses are removed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { systemClock } from '../common/index.js';
import { createGatewayLogger } from '../firmware/gateway/index.js';
import { createVirtualBuilding, type VirtualBuilding } from '../simulator/index.js';
import { DEMO_USAGE, parseDemoArgs, type DemoArgs } from './demo/args.js';
import { applyBuildingEvent, BuildingEventError } from './demo/building-events.js';
import { startDemoStack, type DemoStack } from './demo/stack.js';
import { runTour } from './demo/tour.js';

function waitForStop(seconds: number | undefined, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    if (seconds !== undefined) setTimeout(resolve, seconds * 1000).unref();
  });
}

/** The commands to try, with this run's paths and ports. */
export function instructions(s: DemoStack, events = false): string[] {
  const piactl = 'npx tsx operator/cli/piactl.ts';
  const endpoint = (name: string): string => {
    const e = s.gateway.addresses.find((a) => a.name === name)?.endpoint;
    return e === undefined ? '?' : `[${e.address}]:${e.port}`;
  };
  return [
    '',
    `state and credentials: ${s.credentials.alice.replace(/alice\.json$/, '')} (station.json, alice.json, mallory.json, gateway.yaml; the gateway's identity is in its ATECC608, burnt at start)`,
    `trusted server: PIA ${s.trust.pia.address}:${s.trust.pia.port}, admin API ${s.trust.adminUrl}`,
    `gateway ${s.gateway.id}: PIA ${s.gatewayPia}, ${s.gateway.devices.length} devices (${s.gateway.addressing} addressing)`,
    s.gateway.admin === undefined ? '' : `health and metrics: curl http://${s.gateway.admin.address}:${s.gateway.admin.port}/healthz   (and /metrics)`,
    `MyNet Manager: ${s.mynet.url}/  (self-signed certificate, SHA-256 ${s.mynet.fingerprint}); log in as "${s.mynet.admin}" with the password in ${s.mynet.passwordFile}`,
    '',
    'Try, in another terminal in this checkout (alice may read and control every device):',
    `  export PIACTL_CREDENTIAL=${s.credentials.alice} PIACTL_GATEWAY=${s.gatewayPia}`,
    `  export PIACTL_GATEWAY_ID=${s.gateway.id}     # the gateway piactl means: another node answering there is refused`,
    `  export PIACTL_KNOWN_GATEWAYS=${s.knownGateways}     # without an ID: this run's own known-gateways file, not ~/.config`,
    `  ${piactl} ls`,
    `  ${piactl} get rack-temp/temperature`,
    `  ${piactl} set rack-fan/speed 80`,
    `  ${piactl} call front-door/unlock seconds=5`,
    `  ${piactl} set office-hvac/coolingSetpoint 24`,
    `  ${piactl} snapshot lobby-camera/snapshot -o /tmp/lobby.jpg`,
    `  ${piactl} watch rack-temp/temperature --count 5`,
    `  ${piactl} console     # the live console: prints a loopback URL to open in a browser (--open runs xdg-open)`,
    `  ${piactl} --credential ${s.credentials.mallory} set rack-fan/speed 10     # refused: mallory has no grant`,
    `  coap-client-notls -m get coap://${endpoint('rack-temp')}/rack-temp/temperature      # plain read: allowed for rack-temp`,
    `  coap-client-notls -m get coap://${endpoint('front-door')}/front-door/locked       # plain read: 4.01, PIA required`,
    `  npx tsx trust-server/cli/pia-trust.ts audit tail --file ${join(s.trust.paths.audit)}`,
    '',
    events ? '' : 'To make the building do things (a forced door, a stalled fan, a failed sensor): npm start -- --events, then type "help".',
    'Ctrl-C stops (door relocked, fan to its safe speed).',
  ].filter((line, i, all) => line !== '' || all[i - 1] !== '');
}

/** `--events`: each line of standard input is a building event; the answer goes to stdout. */
function readBuildingEvents(building: VirtualBuilding, signal: AbortSignal): void {
  const lines = createInterface({ input: process.stdin, terminal: false });
  signal.addEventListener('abort', () => lines.close(), { once: true });
  lines.on('line', (line) => {
    try {
      console.log(`building: ${applyBuildingEvent(building, line)}`);
    } catch (e) {
      if (!(e instanceof BuildingEventError)) throw e;
      console.log(`building: ${e.message}`);
    }
  });
}

async function main(): Promise<void> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`demo: ${(e as Error).message}\n${DEMO_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    console.log(DEMO_USAGE);
    return;
  }
  const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'pia-demo-'));
  const clock = systemClock();
  const abort = new AbortController();
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => abort.abort());
  if (args.tour) {
    const building = createVirtualBuilding({ clock, room: { initialC: 27, heatLoadW: 1500, heatCapacityJPerK: 20_000 } });
    await runTour(building, { clock, seconds: args.seconds ?? 30, snapshotPath: join(dir, 'tour-snapshot.jpg'), print: (l) => console.log(l), signal: abort.signal });
    await building.close();
    return;
  }
  console.log('PIA Gateway demo: a trusted server, a simulated building (thermometers, fan, door, safe, lights, HVAC, camera) and the gateway, in this process');
  const logger = createGatewayLogger({ pretty: true, level: 'warn' });
  let stack: DemoStack;
  try {
    stack = await startDemoStack({ dir, clock, ports: args.ports, addressing: args.addressing, logger, log: (l) => console.log(l) });
  } catch (e) {
    console.error(`demo: could not start: ${(e as Error).message}`);
    process.exitCode = 1;
    return;
  }
  for (const line of instructions(stack, args.events)) console.log(line);
  if (args.events) {
    console.log('building events: type one per line ("help" lists them), e.g. door force · fan stall · sensor fail sht31 · hvac fault fan');
    readBuildingEvents(stack.building, abort.signal);
  }
  await waitForStop(args.seconds, abort.signal);
  console.log('demo: stopping');
  await stack.close();
  console.log('demo: stopped');
  process.stdin.unref?.();
}

await main();
