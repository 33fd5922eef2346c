/**
 * `piactl` command line: parsed with node:util parseArgs, every value checked, every refusal
 * naming the argument, what is wrong and what to write instead (exit code 2, exit-codes.ts).
 * The environment fills what the options leave out: PIACTL_CREDENTIAL, PIACTL_GATEWAY,
 * PIACTL_GATEWAY_ID, PIACTL_KNOWN_GATEWAYS, and XDG_CONFIG_HOME or HOME for the default paths
 * of the credential and the known-gateways file.
 */
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoapUriError, parseCoapUri, type CoapTarget } from '../../coap/index.js';
import { parseEndpoint as parsePiaEndpoint, UsageError as PiaUsageError, type EndpointArg } from '../../pia/cli/index.js';
import { SuiteListError, parseSuiteNames, type SuiteId } from '../../pia/index.js';
import { isZeroNodeId, nodeIdFromText, nodeIdToText } from '../../pia/phase3/index.js';
import { UsageError } from './exit-codes.js';
import { parseParams, parseValue, type ParamValue } from './values.js';

export { UsageError };

/** Where a command points: a device by name (looked up at the gateway) or a coap:// URI. */
export type TargetArg =
  | { readonly kind: 'uri'; readonly text: string; readonly uri: CoapTarget }
  | { readonly kind: 'name'; readonly text: string; readonly device: string; readonly resource: string | undefined };

/** A gateway's node ID given by the operator, and where. */
export interface GatewayIdArg {
  /** Lower-case UUID text, never the all-zero ID. */
  readonly id: string;
  readonly from: '--gateway-id' | 'PIACTL_GATEWAY_ID';
}

/** What every command that talks to a gateway needs. */
export interface SessionOptions {
  readonly gateway: EndpointArg;
  /** The credential file's path (resolved from the option, the environment or the default). */
  readonly credential: string;
  readonly json: boolean;
  readonly timeoutMs: number;
  /** The gateway phase 3 must find (ID_B*); when given, the known-gateways file is not used. */
  readonly gatewayId: GatewayIdArg | undefined;
  /** The known-gateways file's path (known-gateways.ts; resolved like the credential's). */
  readonly knownGateways: string;
  /** --suite: the PIA suites offered, preferred first; absent = both in the CPU's order (pia/suite-order.ts). */
  readonly suites?: readonly SuiteId[];
}

export type PiactlCommand =
  | { readonly command: 'help' }
  | (SessionOptions & { readonly command: 'ls'; readonly target: TargetArg | undefined })
  | (SessionOptions & { readonly command: 'get'; readonly target: TargetArg })
  | (SessionOptions & { readonly command: 'set'; readonly target: TargetArg; readonly value: ParamValue })
  | (SessionOptions & { readonly command: 'call'; readonly target: TargetArg; readonly params: Readonly<Record<string, ParamValue>> })
  | (SessionOptions & { readonly command: 'watch'; readonly target: TargetArg; readonly count: number | undefined })
  | (SessionOptions & { readonly command: 'snapshot'; readonly target: TargetArg; readonly output: string; readonly query: readonly string[] })
  | (SessionOptions & { readonly command: 'ping' })
  | ConsoleCommand;

/** `piactl console`: every gateway given (--gateway, repeatable) and every known-gateways line. */
export interface ConsoleCommand extends Omit<SessionOptions, 'gateway'> {
  readonly command: 'console';
  readonly gateways: readonly EndpointArg[];
  /** Run xdg-open on the URL. */
  readonly open: boolean;
}

export type PiactlEnv = Readonly<Record<string, string | undefined>>;

export const DEFAULT_TIMEOUT_MS = 15_000;
export const SNAPSHOT_TIMEOUT_MS = 60_000;
export const GATEWAY_PORT = 4500;
const COMMANDS = ['ls', 'get', 'set', 'call', 'watch', 'snapshot', 'ping', 'console', 'help'] as const;
/** A negative number is a value (set x -2), not an option: hidden from parseArgs, then restored. */
const NEGATIVE = /^-(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const HIDDEN = '\u0000negative:';

/** Parses `piactl` arguments (without the program name). Throws `UsageError`. */
export function parsePiactlArgs(args: readonly string[], env: PiactlEnv = {}): PiactlCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: args.map((a) => (NEGATIVE.test(a) ? `${HIDDEN}${a}` : a)),
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        credential: { type: 'string' },
        gateway: { type: 'string', multiple: true },
        'gateway-id': { type: 'string' },
        'known-gateways': { type: 'string' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        count: { type: 'string', short: 'c' },
        output: { type: 'string', short: 'o' },
        open: { type: 'boolean' },
        suite: { type: 'string' },
      },
    });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const name = /--[a-z-]+/.exec(message)?.[0] ?? /'(-[^' ,]+)/.exec(message)?.[1] ?? 'an option';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option '${name}'; run 'piactl --help' for the options`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${name} needs a value: ${name} VALUE (see 'piactl --help')`);
    throw new UsageError(`${message}; run 'piactl --help' for the options`);
  }
  const v = parsed.values;
  const positionals = parsed.positionals.map((p) => (p.startsWith(HIDDEN) ? p.slice(HIDDEN.length) : p));
  for (const [k, value] of Object.entries(v)) {
    for (const one of Array.isArray(value) ? value : [value]) if (typeof one === 'string' && one.startsWith(HIDDEN)) throw new UsageError(`--${k} needs a value, not '${one.slice(HIDDEN.length)}' (see 'piactl --help')`);
  }
  if (v.help === true || positionals[0] === 'help') return { command: 'help' };
  const command = positionals[0];
  if (command === undefined) throw new UsageError(`no command given; write one of: ${COMMANDS.join(', ')} (e.g. 'piactl get rack-fan/speed'; see 'piactl --help')`);
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command '${command}'; write one of: ${COMMANDS.join(', ')} (see 'piactl --help')`);
  for (const [opt, cmds] of Object.entries({ count: ['watch'], output: ['snapshot'], open: ['console'] })) {
    if (v[opt as 'count' | 'output' | 'open'] !== undefined && !cmds.includes(command)) throw new UsageError(`--${opt} does not apply to 'piactl ${command}'; it belongs to 'piactl ${cmds.join(', ')}'`);
  }
  const rest = positionals.slice(1);
  const json = v.json === true;
  const credential = credentialPath(v.credential, env);
  const givenGateways = (v.gateway ?? []).map((g) => endpoint('--gateway', g));
  if (givenGateways.length > 1 && command !== 'console') throw new UsageError(`--gateway is given ${givenGateways.length} times; 'piactl ${command}' talks to one gateway (only 'piactl console' takes several)`);
  const explicitGateway = givenGateways[0] !== undefined ? givenGateways[0] : env.PIACTL_GATEWAY !== undefined && env.PIACTL_GATEWAY !== '' ? endpoint('PIACTL_GATEWAY', env.PIACTL_GATEWAY) : undefined;
  const timeoutMs = integer('--timeout', v.timeout, command === 'snapshot' ? SNAPSHOT_TIMEOUT_MS : DEFAULT_TIMEOUT_MS, 1, 3_600_000, `milliseconds for the PIA connection, then for each answer; default ${command === 'snapshot' ? SNAPSHOT_TIMEOUT_MS : DEFAULT_TIMEOUT_MS}`);
  const given = v['gateway-id'];
  const envId = env.PIACTL_GATEWAY_ID;
  const gatewayId = given !== undefined ? gatewayIdArg('--gateway-id', given) : envId !== undefined && envId !== '' ? gatewayIdArg('PIACTL_GATEWAY_ID', envId) : undefined;
  const common = { credential, json, timeoutMs, gatewayId, knownGateways: knownGatewaysPath(v['known-gateways'], env), ...suiteOption(v.suite) };
  const session = (target: TargetArg | undefined): SessionOptions => ({ gateway: gatewayFor(command, explicitGateway, target), ...common });
  const needTarget = (usage: string): TargetArg => {
    const text = rest[0];
    if (text === undefined) throw new UsageError(`${command}: no target given; write 'piactl ${usage}', e.g. 'piactl ${command} rack-fan/speed' or a coap://[ADDR]/DEVICE/RESOURCE URI`);
    return parseTarget(text);
  };
  const noMore = (from: number, usage: string): void => {
    const extra = rest[from];
    if (extra !== undefined) throw new UsageError(`${command}: unexpected argument '${extra}'; write 'piactl ${usage}' (options start with --)`);
  };
  switch (command as (typeof COMMANDS)[number]) {
    case 'ls': {
      noMore(1, 'ls [DEVICE | coap://[ADDR]]');
      const target = rest[0] === undefined ? undefined : parseLsTarget(rest[0]);
      return { command: 'ls', target, ...session(target) };
    }
    case 'get': {
      const target = needTarget('get TARGET');
      noMore(1, 'get TARGET');
      return { command: 'get', target, ...session(target) };
    }
    case 'set': {
      const target = needTarget('set TARGET VALUE');
      const text = rest[1];
      if (text === undefined) throw new UsageError(`set: no VALUE given; write 'piactl set ${target.text} VALUE', e.g. 80, true or cool`);
      noMore(2, 'set TARGET VALUE (quote a value with spaces)');
      return { command: 'set', target, value: parseValue('VALUE', text), ...session(target) };
    }
    case 'call': {
      const target = needTarget('call TARGET [NAME=VALUE …]');
      return { command: 'call', target, params: parseParams(rest.slice(1)), ...session(target) };
    }
    case 'watch': {
      const target = needTarget('watch TARGET [--count N]');
      noMore(1, 'watch TARGET [--count N]');
      const count = v.count === undefined ? undefined : integer('--count', v.count, 1, 1, 1_000_000_000, 'values to print before stopping; without it watch runs until Ctrl-C');
      return { command: 'watch', target, count, ...session(target) };
    }
    case 'snapshot': {
      const target = needTarget('snapshot TARGET -o FILE');
      const output = v.output;
      if (output === undefined) throw new UsageError(`snapshot: no output file; write 'piactl snapshot ${target.text} -o FILE.jpg'`);
      if (output === '' || output.endsWith('/')) throw new UsageError(`-o '${output}': name a file, e.g. -o snapshot.jpg`);
      const query = Object.entries(parseParams(rest.slice(1))).map(([k, value]) => `${k}=${String(value)}`);
      return { command: 'snapshot', target, output, query, ...session(target) };
    }
    case 'ping': {
      noMore(1, 'ping [[ADDR]:PORT]');
      const endpointGiven = rest[0] === undefined ? explicitGateway : endpoint('ping', rest[0]);
      if (endpointGiven === undefined) throw new UsageError(`ping: which gateway? write 'piactl ping [ADDR]:PORT' (e.g. [2001:db8::1]:4500), or give --gateway or PIACTL_GATEWAY`);
      return { command: 'ping', gateway: endpointGiven, ...common };
    }
    case 'console': {
      noMore(0, 'console [--gateway [ADDR]:PORT …] [--open]');
      if (gatewayId !== undefined && givenGateways.length > 1) throw new UsageError(`${gatewayId.from} names one gateway, but --gateway is given ${givenGateways.length} times; leave ${gatewayId.from} out (each gateway's ID then comes from the known-gateways file)`);
      const fromEnv = givenGateways.length === 0 && explicitGateway !== undefined ? [explicitGateway] : [];
      return { command: 'console', gateways: [...givenGateways, ...fromEnv], open: v.open === true, ...common };
    }
    case 'help':
      return { command: 'help' };
  }
}

/** `--suite chacha20,aes-gcm`: the PIA suites offered, preferred first; nothing when not given. */
function suiteOption(text: string | undefined): { suites?: readonly SuiteId[] } {
  if (text === undefined) return {};
  try {
    return { suites: parseSuiteNames(text.split(',')) };
  } catch (e) {
    if (!(e instanceof SuiteListError)) throw e;
    throw new UsageError(`--suite ${text}: ${e.message} (a comma-separated list, preferred first, e.g. --suite chacha20,aes-gcm)`);
  }
}

/** `coap://…` → a URI target; `DEVICE` or `DEVICE/RESOURCE` → a name target. */
export function parseTarget(text: string): TargetArg {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      return { kind: 'uri', text, uri: parseCoapUri(text) };
    } catch (e) {
      if (e instanceof CoapUriError) throw new UsageError(`target ${e.message}`);
      throw e;
    }
  }
  const segments = text.replace(/\/+$/, '').split('/');
  const [device, resource, extra] = segments;
  const fail = (problem: string): never => {
    throw new UsageError(`target '${text}': ${problem}; write DEVICE or DEVICE/RESOURCE (rack-fan/speed), or coap://[ADDR]/DEVICE/RESOURCE`);
  };
  if (text.trim() === '' || device === undefined || device === '') return fail('no device name');
  if (extra !== undefined) return fail('too many "/" (a name target is DEVICE/RESOURCE)');
  if (resource === '') return fail('an empty resource name');
  if (isIP(text.replace(/^\[|\]$/g, '')) !== 0 || text.includes(':')) return fail('an address is not a name; write coap://[ADDR]/DEVICE/RESOURCE');
  return { kind: 'name', text, device, resource };
}

/** `ls` also takes a bare address (`[2001:db8::f1]`, `2001:db8::f1`) for coap://[ADDR]. */
function parseLsTarget(text: string): TargetArg {
  const bare = text.replace(/^\[|\]$/g, '');
  if (isIP(bare.split('%')[0] ?? '') !== 0) return parseTarget(`coap://${bare.includes(':') ? `[${bare}]` : bare}`);
  const t = parseTarget(text);
  if (t.kind === 'name' && t.resource !== undefined) throw new UsageError(`ls '${text}': ls lists a device or an address, not one resource; write 'piactl ls ${t.device}' or 'piactl get ${text}'`);
  return t;
}

function gatewayFor(command: string, explicit: EndpointArg | undefined, target: TargetArg | undefined): EndpointArg {
  if (explicit !== undefined) return explicit;
  if (target?.kind === 'uri') return { address: target.uri.to.address, port: GATEWAY_PORT };
  const why = target === undefined ? 'ls without a target asks the gateway for its listing' : `a name target ('${target.text}') is looked up at the gateway`;
  throw new UsageError(`${command}: which gateway? ${why}; give --gateway [ADDR]:PORT (or set PIACTL_GATEWAY), or use a coap://[ADDR]/… target`);
}

function endpoint(what: string, text: string): EndpointArg {
  try {
    return parsePiaEndpoint(what, text, { allowWildcard: false, minPort: 1 });
  } catch (e) {
    if (e instanceof PiaUsageError) throw new UsageError(e.message);
    throw e;
  }
}

/** --credential, else PIACTL_CREDENTIAL, else $XDG_CONFIG_HOME or ~/.config, then piactl/credential.json. */
export function credentialPath(option: string | undefined, env: PiactlEnv): string {
  return configPath('--credential', 'the credential file', option, 'PIACTL_CREDENTIAL', 'credential.json', env);
}

/** --known-gateways, else PIACTL_KNOWN_GATEWAYS, else beside the default credential: piactl/known_gateways. */
export function knownGatewaysPath(option: string | undefined, env: PiactlEnv): string {
  return configPath('--known-gateways', 'the known-gateways file', option, 'PIACTL_KNOWN_GATEWAYS', 'known_gateways', env);
}

function configPath(name: string, what: string, option: string | undefined, variable: string, file: string, env: PiactlEnv): string {
  if (option === '') throw new UsageError(`${name} is empty; give ${what}'s path, e.g. ${name} ~/.config/piactl/${file}`);
  if (option !== undefined) return option;
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const config = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir(), '.config');
  return join(config, 'piactl', file);
}

/** A gateway's node ID as the operator wrote it: a UUID, not the all-zero one ("any"). */
function gatewayIdArg(from: GatewayIdArg['from'], text: string): GatewayIdArg {
  let id: Uint8Array;
  try {
    id = nodeIdFromText(text.trim());
  } catch {
    throw new UsageError(`${from} '${text}' is not a node ID; write the gateway's ID as a UUID (3f2504e0-4f89-41d3-9a0c-0305e82c3301): 'pia-trust node list' shows it, and 'piactl ping' shows who answers`);
  }
  if (isZeroNodeId(id)) throw new UsageError(`${from} is the all-zero ID ("any"), which names no gateway; write the gateway's own ID ('pia-trust node list' shows it)`);
  return { id: nodeIdToText(id), from };
}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number, hint: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${name} ${text}: must be a whole number ${min}–${max} (${hint})`);
  return n;
}
