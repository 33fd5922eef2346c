/**
 * `npm start -- …`: the demo's options, checked before anything starts. A bad option is an
 * error naming it and the usage; `--help` prints the whole list.
 */
import { parseArgs } from 'node:util';
import type { DemoPorts } from './stack.js';

export const DEMO_USAGE = `usage: npm start -- [options]
  --dir DIR          state, credentials and config (default: a new folder under the temp dir,
                     printed at start); a folder the demo made is emptied at the next start,
                     any other non-empty folder is refused
  --seconds N        stop after N seconds (default: run until Ctrl-C)
  --pia-port N       the gateway's PIA port, UDP (default 4500)
  --coap-port N      the first device's plain CoAP port on [::1], UDP; the others follow it
                     (default 5683)
  --trust-port N     the trusted server's PIA port on 127.0.0.1, UDP (default 4501)
  --admin-port N     the gateway's /healthz and /metrics on 127.0.0.1, TCP (default 9464)
  --web-port N       MyNet Manager's HTTPS on 127.0.0.1, TCP (default 8443; 0: any free port)
  --addressing M     loopback (default: every device on [::1], a port each) or auto (as root:
                     each device on its own IPv6 address, added to lo and removed at exit)
  --mqtt URL         also publish to this MQTT broker (mqtt://HOST:PORT) with Home Assistant
                     discovery; a "home-assistant" node is its subject, granted read and control
  --events           read building events from standard input, one per line (type "help"):
                     door force, fan stall, sensor fail sht31, hvac fault fan, heat 3000 …
  --tour             instead: the hardware tour (drives the simulated parts through the drivers)
  --help             this text
Every port is checked free before anything starts. Ctrl-C stops cleanly.`;

export const DEFAULT_DEMO_PORTS: DemoPorts = { trustPia: 4501, gatewayPia: 4500, coap: 5683, admin: 9464, web: 8443 };

export interface DemoArgs {
  readonly help: boolean;
  readonly seconds: number | undefined;
  /** Undefined: a new folder under the temp dir. */
  readonly dir: string | undefined;
  readonly ports: DemoPorts;
  readonly addressing: 'loopback' | 'auto';
  readonly events: boolean;
  readonly tour: boolean;
  /** A broker URL (mqtt:// or mqtts://) for the uplink, or undefined. */
  readonly mqtt: string | undefined;
}

const PORT_OPTIONS = { 'pia-port': 'gatewayPia', 'coap-port': 'coap', 'trust-port': 'trustPia', 'admin-port': 'admin', 'web-port': 'web' } as const;

/** Throws an Error naming the bad option; the caller adds the usage. */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      help: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      dir: { type: 'string' },
      addressing: { type: 'string', default: 'loopback' },
      events: { type: 'boolean', default: false },
      mqtt: { type: 'string' },
      tour: { type: 'boolean', default: false },
      ...Object.fromEntries(Object.keys(PORT_OPTIONS).map((k) => [k, { type: 'string' as const }])),
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}" (options start with --)`);
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && (!Number.isFinite(seconds) || seconds <= 0)) throw new Error(`--seconds must be a positive number, got "${values.seconds}"`);
  if (values.addressing !== 'loopback' && values.addressing !== 'auto') throw new Error(`--addressing must be loopback or auto, got "${values.addressing}"`);
  if (values.dir === '') throw new Error('--dir needs a folder');
  if (values.mqtt !== undefined && !/^mqtts?:\/\/[^\s/]+/.test(values.mqtt)) throw new Error(`--mqtt must be a broker URL like mqtt://127.0.0.1:1883, got "${values.mqtt}"`);
  const ports: Record<keyof DemoPorts, number> = { ...DEFAULT_DEMO_PORTS };
  for (const [option, key] of Object.entries(PORT_OPTIONS)) {
    const text = (values as Record<string, unknown>)[option];
    if (typeof text !== 'string') continue;
    const port = Number(text);
    const anyAllowed = option === 'web-port';
    if (!/^\d+$/.test(text) || port > 65535 || (port === 0 && !anyAllowed)) {
      throw new Error(`--${option} must be a port number 1–65535${anyAllowed ? ' (or 0: any free port)' : ''}, got "${text}"`);
    }
    ports[key] = port;
  }
  const used = new Map<string, string>();
  for (const [option, key] of Object.entries(PORT_OPTIONS)) {
    const proto = key === 'admin' || key === 'web' ? 'tcp' : 'udp';
    const id = `${proto}/${ports[key]}`;
    const other = used.get(id);
    if (ports[key] !== 0 && other !== undefined) throw new Error(`--${option} and --${other} are both ${proto} port ${ports[key]}; give them different ports`);
    used.set(id, option);
  }
  return {
    help: values.help === true,
    seconds,
    dir: values.dir,
    ports,
    addressing: values.addressing,
    events: values.events === true,
    tour: values.tour === true,
    mqtt: values.mqtt,
  };
}
