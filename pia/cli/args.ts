/**
 * `pia` command line: parsed with node:util parseArgs, every value checked, every refusal
 * naming the argument, what is wrong and what to write instead (exit code 2, exit-codes.ts).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { parseArgs } from 'node:util';
import { SuiteListError, parseSuiteNames } from '../suite-order.js';
import type { SuiteId } from '../suites-ids.js';
import { ExitCode } from './exit-codes.js';

export const USAGE = `pia: the PIA protocol tool (docs/protocol.md): serve and probe phase 2 (key exchange + ESP)

usage:
  pia listen [--bind [ADDR]:PORT] [--suite aes-gcm,chacha20] [--latch-file F] [--verbose]
      serve as responder (default bind [::]:4500); echo every ESP-delivered UDP datagram sent
      to inner port 7 back through its SA; one line per SA up/down; Ctrl-C or SIGTERM stops
  pia ping [ADDR]:PORT [--count 5] [--size 56] [--suite aes-gcm|chacha20] [--timeout 3000]
           [--bind [ADDR]:PORT] [--latch-file F] [--json]
      complete phase 2 with the peer (handshake time, suite, SPIs), send --count echoes of
      --size payload bytes through ESP one after the other, print RTT min/median/p99 and loss;
      --timeout bounds the handshake and each echo's wait (ms); --json prints one JSON object
  pia --help

suites: --suite lists what this end offers and accepts, preferred first (listen: a comma-
  separated list; ping: one). Default: both, in this CPU's order: aes-gcm first when
  /proc/cpuinfo shows AES instructions, chacha20 first without (a Raspberry Pi 4).
addresses: [2001:db8::1]:4500, [::1] (port 4500), 192.0.2.1:4500, or a bare IPv6 address.
latches: ping and listen keep them in memory (a probe must not latch a peer for good) unless
  --latch-file names the store (docs/protocol.md §4). PIA_KEYLOG=FILE appends each SA's keys
  for Wireshark (docs/protocol.md §8; debugging only, a warning is printed).

exit codes:
  0  ok (ping: at least one echo came back)
  1  no answer: the handshake timed out, or every echo was lost
  2  bad arguments, or something they name cannot be used (bind address or port,
     --latch-file, PIA_KEYLOG)
  3  unreachable, at once: nothing listens on the port (ICMP port unreachable), or sending
     failed (ENETUNREACH, EHOSTUNREACH, a firewall's EACCES/EPERM)
  4  refused: the responder sent REFUSE (no common suite, or it does not speak version 1)
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = ExitCode.Usage;
}

export interface EndpointArg {
  readonly address: string;
  readonly port: number;
}

export interface ListenCommand {
  readonly command: 'listen';
  readonly bind: EndpointArg;
  /** Undefined: both, in the CPU's order (suite-order.ts). */
  readonly suites?: readonly SuiteId[];
  readonly latchFile?: string;
  readonly verbose: boolean;
}

export interface PingCommand {
  readonly command: 'ping';
  readonly target: EndpointArg;
  readonly bind: EndpointArg;
  readonly count: number;
  readonly size: number;
  /** Undefined: both, in the CPU's order (suite-order.ts). */
  readonly suites?: readonly SuiteId[];
  readonly timeoutMs: number;
  readonly latchFile?: string;
  readonly json: boolean;
}

export type PiaCommand = { readonly command: 'help' } | ListenCommand | PingCommand;

export const DEFAULT_PORT = 4500;
/** Echo payload: 4-byte sequence number, then filler. */
export const MIN_SIZE = 4;
/** An outer UDP datagram holds 65507 bytes over IPv4; ESP + inner headers add 82–85 (§3). */
export const MAX_SIZE = 65_000;
const COMMANDS = ['listen', 'ping'] as const;

/** Parses `pia` arguments (without the program name). Throws `UsageError`. */
export function parsePiaArgs(args: readonly string[]): PiaCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        bind: { type: 'string' },
        suite: { type: 'string' },
        'latch-file': { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
        count: { type: 'string', short: 'c' },
        size: { type: 'string', short: 's' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const name = /--[a-z-]+/.exec(message)?.[0] ?? /'(-[^' ,]+)/.exec(message)?.[1] ?? 'an option';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option '${name}'; run 'pia --help' for the options`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${name} needs a value: ${name} VALUE (see 'pia --help')`);
    throw new UsageError(`${message}; run 'pia --help' for the options`);
  }
  const { values: v, positionals } = parsed;
  if (v.help === true) return { command: 'help' };
  const command = positionals[0];
  if (command === undefined) throw new UsageError(`no command given; write 'pia listen' or 'pia ping [ADDR]:PORT' (see 'pia --help')`);
  const only = (allowed: readonly string[]): void => {
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) throw new UsageError(`--${k} does not apply to 'pia ${command}'; see 'pia --help'`);
    }
  };
  const latchFile = v['latch-file'];
  if (latchFile === '') throw new UsageError(`--latch-file is empty; give the latch store's path, e.g. --latch-file /var/lib/pia/latches.json`);
  const latch = latchFile === undefined ? {} : { latchFile };
  switch (command) {
    case 'listen': {
      only(['bind', 'suite', 'latch-file', 'verbose']);
      if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'; 'pia listen' takes --bind [ADDR]:PORT, not a positional address`);
      const bind = v.bind === undefined ? { address: '::', port: DEFAULT_PORT } : parseEndpoint('--bind', v.bind, { allowWildcard: true, minPort: 0 });
      return { command, bind, ...parseSuites(v.suite, true), verbose: v.verbose === true, ...latch };
    }
    case 'ping': {
      only(['bind', 'suite', 'latch-file', 'count', 'size', 'timeout', 'json']);
      const target = positionals[1];
      if (target === undefined) throw new UsageError(`ping: no peer given; write 'pia ping [ADDR]:PORT', e.g. 'pia ping [2001:db8::1]:4500'`);
      if (positionals.length > 2) throw new UsageError(`unexpected argument '${positionals[2]}'; options start with -- (see 'pia --help')`);
      return {
        command,
        target: parseEndpoint('peer', target, { allowWildcard: false, minPort: 1 }),
        bind: v.bind === undefined ? { address: '::', port: 0 } : parseEndpoint('--bind', v.bind, { allowWildcard: true, minPort: 0 }),
        count: integer('--count', v.count, 5, 1, 1_000_000, 'echoes to send'),
        size: integer('--size', v.size, 56, MIN_SIZE, MAX_SIZE, `payload bytes per echo; ${MIN_SIZE} carry the sequence number`),
        ...parseSuites(v.suite, false),
        timeoutMs: integer('--timeout', v.timeout, 3000, 1, 600_000, 'milliseconds for the handshake and for each echo'),
        json: v.json === true,
        ...latch,
      };
    }
    default:
      throw new UsageError(`unknown command '${command}'; write one of: ${COMMANDS.join(', ')} (see 'pia --help')`);
  }
}

/**
 * `[ADDR]:PORT`, `[ADDR]` (port 4500), `A.B.C.D:PORT`, `A.B.C.D`, a bare IPv6 address, and for
 * a bind `:PORT` or `PORT` alone (address ::). Names are refused: the tool speaks addresses.
 */
export function parseEndpoint(what: string, text: string, o: { allowWildcard: boolean; minPort: number }): EndpointArg {
  const fail = (problem: string): never => {
    throw new UsageError(`${what} '${text}': ${problem}; write [2001:db8::1]:4500, 192.0.2.1:4500 or [::1]`);
  };
  let address: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracket !== null) {
    address = bracket[1] ?? '';
    portText = bracket[2];
  } else if (isIPv6(text.split('%')[0] ?? '')) {
    address = text;
  } else if (o.allowWildcard && /^:?\d+$/.test(text)) {
    address = '::';
    portText = text.replace(':', '');
  } else {
    const colon = text.lastIndexOf(':');
    address = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (address.includes(':')) fail('an IPv6 address with a port needs brackets');
  }
  const zoneAt = address.indexOf('%');
  if (zoneAt >= 0) checkZone(address.slice(zoneAt + 1), fail);
  const v6 = isIPv6(address.split('%')[0] ?? '');
  if (!v6 && !isIPv4(address)) fail(`'${address}' is not an IPv6 or IPv4 address (host names are not resolved: use 'getent ahosts NAME')`);
  if (!o.allowWildcard && (address === '0.0.0.0' || /^[:0]*$/.test(address))) fail('the unspecified address names no peer');
  if (!o.allowWildcard && (/^ff/i.test(address) || /^2(2[4-9]|3\d)\./.test(address))) fail('a multicast address names no single peer');
  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < o.minPort || port > 0xffff) fail(`port '${portText}' must be a whole number ${o.minPort}–65535`);
  }
  return { address, port };
}

/**
 * RFC 4007 §11: the zone after '%' names one of this host's interfaces, by name (Linux: 1–15
 * bytes, no '/', ':' or white space) or by index. Anything else is refused here: Node ignores
 * a zone it cannot resolve and sends by the routing table, possibly out of another link.
 */
const ZONE = /^[^\s/:%]{1,15}$/;

function checkZone(zone: string, fail: (problem: string) => never): void {
  if (zone.includes(':')) fail(`an IPv6 address with a zone and a port needs brackets: [fe80::1%${zone.slice(0, zone.indexOf(':'))}]${zone.slice(zone.indexOf(':'))}`);
  if (!ZONE.test(zone)) fail(`zone '%${zone}' is not an interface name or index (ip -br link lists them)`);
}

/** `--suite`: nothing when not given (the node's CPU order then applies). */
function parseSuites(text: string | undefined, list: boolean): { suites?: readonly SuiteId[] } {
  if (text === undefined) return {};
  const names = text.split(',');
  if (!list && names.length > 1) throw new UsageError(`--suite ${text}: ping offers one suite; write --suite aes-gcm or --suite chacha20 (or leave it out to offer both)`);
  try {
    return { suites: parseSuiteNames(names) };
  } catch (e) {
    if (!(e instanceof SuiteListError)) throw e;
    throw new UsageError(`--suite ${text}: ${e.message}${list ? ' (a comma-separated list, preferred first)' : ''}`);
  }
}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number, hint: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${name} ${text}: must be a whole number ${min}–${max} (${hint}; default ${fallback})`);
  return n;
}
