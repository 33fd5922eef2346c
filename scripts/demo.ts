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
import { instructions } from './demo/instructions.js';
import { startDemoStack, type DemoStack } from './demo/stack.js';
import { runTour } from './demo/tour.js';

function waitForStop(seconds: number | undefined, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    if (seconds !== undefined) setTimeout(resolve, seconds * 1000).unref();
  });
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
    stack = await startDemoStack({ dir, clock, ports: args.ports, addressing: args.addressing, logger, log: (l) => console.log(l), ...(args.mqtt === undefined ? {} : { mqtt: { url: args.mqtt, rights: ['read', 'control'] } }) });
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
