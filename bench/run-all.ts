/**
 * `npm run bench [-- NAME…]`: runs the benchmarks (all, or those named) and prints their
 * ratios. Each benchmark measures against a baseline or a computed limit in the same run, so
 * the figures compare across machines; absolute times here are noise.
 */
import { main as espSealOpen } from './esp-seal-open.js';
import { main as gatewaySensors } from './gateway-sensors.js';
import { main as handshakeCost } from './handshake-cost.js';
import { main as modbusLineRate } from './modbus-line-rate.js';
import { main as mqttPublish } from './mqtt-publish.js';
import { main as piaEchoRtt } from './pia-echo-rtt.js';

const BENCHES: Readonly<Record<string, () => Promise<unknown>>> = {
  modbus: () => modbusLineRate(),
  esp: () => espSealOpen(),
  handshake: () => handshakeCost(),
  echo: () => piaEchoRtt(),
  throughput: async () => (await import('./pia-echo-throughput.js')).main(),
  sensors: () => gatewaySensors(),
  mqtt: () => mqttPublish(),
  command: async () => (await import('./gateway-command.js')).main(),
  ha: async () => (await import('./ha-command.js')).main(),
  flood: async () => (await import('./init-flood.js')).main(),
  abandoned: async () => (await import('./abandoned-exchanges.js')).main(),
  discovery: async () => (await import('./discovery-trigger.js')).main(),
  'console-latency': async () => (await import('./console-latency.js')).main(),
  'console-weight': async () => (await import('./console-page-weight.js')).main(),
  'console-rss': async () => (await import('./console-rss.js')).main(),
  metrics: async () => (await import('./metrics-scrape.js')).main(),
  'audit-postgres': async () => (await import('./audit-postgres.js')).main(),
  'trust-fleet': async () => (await import('./trust-fleet.js')).main(),
  revocation: async () => (await import('./revocation.js')).main(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length === 0 || wanted.includes(name)) {
    console.log(`\n== ${name}`);
    await run();
  }
}
