/**
 * What `npm start` prints once the demo runs: this run's paths and ports, and the commands to
 * try. The demo's end-to-end test runs every piactl line here, so they stay true.
 */
import { join } from 'node:path';
import type { DemoStack } from './stack.js';

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
