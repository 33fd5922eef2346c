/**
 * `pia-gateway check --config FILE [--hardware]`:
 *  1. load the file (firmware/config: YAML, schema, semantics) without touching hardware;
 *     problems → stderr, one per line (file:line: device "x": setting: problem; fix), exit 1;
 *  2. warnings → stderr; "FILE: OK, N devices (…)" → stdout;
 *  3. the device addresses (needs the gateway ID: gateway.id, else the credential file's "id"
 *     if readable; the key in it is never read into any output), and the loopback ports when
 *     addressing is loopback or auto;
 *  4. with --hardware: the host check (firmware/config/hardware-check.ts); problems → exit 3.
 */
import { readFileSync } from 'node:fs';
import { deriveDeviceAddresses } from '../addressing/index.js';
import { checkHardware, ConfigError, formatProblem, loadGatewayConfig, nodeHostProbe, type GatewayConfig } from '../config/index.js';
import { parseSubcommandArgs, UsageError } from './args.js';
import { ExitCode } from './exit-codes.js';
import type { GatewayCliIo, Subcommand } from './io.js';

const USAGE = `pia-gateway check --config FILE [--hardware]
      validate gateway.yaml without touching hardware: YAML, schema, the cross-device checks;
      prints OK and the device addresses, or every problem as FILE:LINE: device "NAME": …; fix;
      --hardware also looks for what the file names on this host (I2C buses, PWM channels,
      GPIO, serial ports, the credential) without opening anything`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const checkSubcommand: Subcommand = {
  name: 'check',
  usage: USAGE,
  summary: 'validate a gateway.yaml (and, with --hardware, this host) without starting anything',
  run: (args, io) => Promise.resolve().then(() => runCheck(args, io)),
};

function runCheck(args: readonly string[], io: GatewayCliIo): number {
  const { values } = parseSubcommandArgs('check', args, { config: { type: 'string', short: 'c' }, hardware: { type: 'boolean' } });
  if (values.help === true) {
    io.stdout.write(`usage:\n  ${USAGE}\n`);
    return ExitCode.Ok;
  }
  const file = values.config;
  if (typeof file !== 'string' || file === '') throw new UsageError("--config is missing; write 'pia-gateway check --config /etc/pia-gateway/gateway.yaml'");
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) io.stderr.write(`${formatProblem(p)}\n`);
    const errors = e.problems.filter((p) => p.severity === 'error').length;
    const warnings = e.problems.length - errors;
    io.stderr.write(`${file}: ${count(errors, 'error')}${warnings > 0 ? `, ${count(warnings, 'warning')}` : ''}: not usable\n`);
    return ExitCode.Invalid;
  }
  for (const w of config.warnings) io.stderr.write(`${formatProblem(w)}\n`);
  io.stdout.write(`${file}: OK, ${summary(config)}\n`);
  io.stdout.write(addressTable(config));
  if (values.hardware !== true) return ExitCode.Ok;
  const missing = checkHardware(config, io.hostProbe ?? nodeHostProbe());
  for (const p of missing) io.stderr.write(`${formatProblem(p)}\n`);
  if (missing.length > 0) {
    io.stderr.write(`${file}: this host lacks ${count(missing.length, 'thing')} the file names\n`);
    return ExitCode.HostMissing;
  }
  io.stdout.write('host: every bus, channel, line and port named is present\n');
  return ExitCode.Ok;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function summary(config: GatewayConfig): string {
  const kinds = new Map<string, number>();
  for (const d of config.devices) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
  const list = [...kinds].map(([kind, n]) => (kind === 'hvac' ? `${n} hvac` : count(n, kind))).join(', ');
  return `${count(config.devices.length, 'device')}${list === '' ? '' : ` (${list})`}`;
}

/** Each device's address (and loopback port), or why the addresses cannot be shown. */
function addressTable(config: GatewayConfig): string {
  const g = config.gateway;
  const id = g.id ?? (g.secureElement === undefined ? credentialId(g.credential) : undefined);
  const idSource = g.secureElement === undefined ? `${g.credential} is not readable here` : `the ID is in the ATECC608 at i2c-${g.secureElement.bus}, read at start`;
  const loopback = g.addressing === 'loopback' || g.addressing === 'auto';
  if (config.devices.length === 0) return '';
  const head = id === undefined
    ? `device addresses: not shown (no gateway.id, and ${idSource}); they come from the prefix ${g.prefix} and the gateway's ID\n`
    : `device addresses (prefix ${g.prefix}, gateway ${id}, addressing ${g.addressing}):\n`;
  const addresses = id === undefined ? undefined : deriveDeviceAddresses({ prefix: g.prefix, gatewayId: id, deviceNames: config.devices.map((d) => d.name) });
  const width = Math.max(...config.devices.map((d) => d.name.length));
  const rows = config.devices.map((d, i) => {
    const address = addresses?.[i]?.address ?? '';
    const port = loopback ? `  loopback [::1]:${g.coapPort + i}` : '';
    return `  ${d.name.padEnd(width)}  ${d.kind.padEnd(11)}  ${address.padEnd(id === undefined ? 0 : 39)}${port}`.trimEnd();
  });
  const note = g.addressing === 'auto' ? '  (auto: each device on its own address with CAP_NET_ADMIN, else on its loopback port)\n' : '';
  return `${head}${rows.join('\n')}\n${note}`;
}

/** The "id" of the credential file, if this user may read it; nothing else of it is used. */
function credentialId(path: string): string | undefined {
  try {
    const id = (JSON.parse(readFileSync(path, 'utf8')) as { id?: unknown }).id;
    return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
