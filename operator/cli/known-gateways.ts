/**
 * The known-gateways file: which gateway (node ID) answered at each PIA endpoint when piactl
 * first met it there (trust on first use, like SSH's known_hosts), so that later runs name it
 * in phase 3 (docs/protocol.md §9.2 `ID_B*`) and another node answering there is refused.
 *
 *   # a comment (first non-blank character '#'); comments and blank lines are kept as written
 *   [2001:db8::1]:4500 3f2504e0-4f89-41d3-9a0c-0305e82c3301 rack1 gateway
 *   ENDPOINT           NODE-ID                              LABEL (the rest of the line, for people)
 *
 * ENDPOINT as piactl prints it: [IPv6]:PORT or IPv4:PORT (a bare address means port 4500).
 * Addresses compare in canonical form: [2001:DB8:0::1]:4500 is [2001:db8::1]:4500.
 *
 * Must hold:
 * - a line that does not parse stops piactl (exit 2) naming FILE:LINE and the fix: a pin
 *   skipped in silence would be no pin; an endpoint listed twice likewise (which ID is meant?);
 * - a file that group or others may write is refused (they could re-pin a gateway);
 * - the file is replaced whole and atomically (common/durable-file.ts), mode 0600, its folder
 *   made (0700) when missing; the lines already there are kept as they were.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileDurably } from '../../common/index.js';
import { parseEndpoint, UsageError as PiaUsageError } from '../../pia/cli/index.js';
import { canonicalAddress, formatEndpoint } from '../../pia/discovery/index.js';
import type { Endpoint } from '../../pia/node/index.js';
import { isZeroNodeId, nodeIdFromText, nodeIdToText } from '../../pia/phase3/index.js';
import { CommandError, ExitCode } from './exit-codes.js';

export interface KnownGateway {
  /** Canonical endpoint text (`[2001:db8::1]:4500`, `192.0.2.1:4500`). */
  readonly endpoint: string;
  /** The node ID, lower-case UUID text. */
  readonly id: string;
  readonly label: string;
  /** Its line in the file, from 1. */
  readonly line: number;
}

export const KNOWN_GATEWAYS_HEADER = "# piactl known gateways, one a line: [ADDR]:PORT NODE-ID LABEL (trust on first use; see 'piactl --help')\n";

/** How an endpoint is written in the file and compared. */
export function endpointKey(e: Endpoint): string {
  return formatEndpoint({ address: canonicalAddress(e.address), port: e.port });
}

/** The gateways in `path`; none when it does not exist. Throws a CommandError (exit 2) naming the file (and line) and the fix. */
export function readKnownGateways(path: string): KnownGateway[] {
  const text = readText(path);
  return text === undefined ? [] : parseKnownGateways(path, text);
}

export function parseKnownGateways(path: string, text: string): KnownGateway[] {
  const out: KnownGateway[] = [];
  const first = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    const fail = (problem: string): never => {
      throw new CommandError(ExitCode.Usage, `known-gateways file ${path}:${line}: ${problem}; a line is '[ADDR]:PORT NODE-ID LABEL' (e.g. '[2001:db8::1]:4500 3f2504e0-4f89-41d3-9a0c-0305e82c3301 rack1-gw'): fix the line, or delete it and piactl records the gateway that answers next`);
    };
    const m = /^(\S+)(?:\s+(\S+))?(?:\s+(.*))?$/.exec(content);
    const [where = '', idText, label = ''] = m === null ? [] : m.slice(1);
    if (idText === undefined) return fail(`'${where}' has no node ID after it`);
    let endpoint: string;
    try {
      endpoint = endpointKey(parseEndpoint('endpoint', where, { allowWildcard: false, minPort: 1 }));
    } catch (e) {
      if (!(e instanceof PiaUsageError)) throw e;
      return fail(e.message.replace(/; write .*$/, ''));
    }
    let id: Uint8Array;
    try {
      id = nodeIdFromText(idText);
    } catch {
      return fail(`'${idText}' is not a node ID (a UUID: 8-4-4-4-12 hexadecimal digits)`);
    }
    if (isZeroNodeId(id)) return fail('the all-zero node ID ("any") names no gateway');
    const earlier = first.get(endpoint);
    if (earlier !== undefined) return fail(`${endpoint} is listed again (first on line ${earlier}), so which gateway is meant there is unclear; keep one of the two lines`);
    first.set(endpoint, line);
    out.push({ endpoint, id: nodeIdToText(id), label: label.trim(), line });
  });
  return out;
}

/**
 * Adds `endpoint ID LABEL` to `path` (created with a header comment if missing), unless the file
 * has a line for that endpoint by now (another piactl was quicker): then it is left alone.
 * Throws the file system's error, or a CommandError when the file does not parse.
 */
export function addKnownGateway(path: string, endpoint: Endpoint, id: string, label: string): 'added' | 'present' {
  const text = readText(path) ?? KNOWN_GATEWAYS_HEADER;
  const key = endpointKey(endpoint);
  if (parseKnownGateways(path, text).some((g) => g.endpoint === key)) return 'present';
  // A label is 1–64 bytes without control characters (§9.8); a newline here would forge a line.
  const line = `${key} ${id} ${label.replace(/[\p{Cc}\s]+/gu, ' ').trim()}`.trimEnd();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileDurably(path, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`, { mode: 0o600 });
  return 'added';
}

/** The file's text, or undefined when it does not exist. */
function readText(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CommandError(ExitCode.Usage, `known-gateways file ${path}: cannot open (${code ?? (e as Error).message}); fix its permissions, or name another file with --known-gateways FILE`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CommandError(ExitCode.Usage, `known-gateways file ${path}: not a regular file; name a file with --known-gateways FILE (or PIACTL_KNOWN_GATEWAYS)`);
    if ((st.mode & 0o022) !== 0) {
      throw new CommandError(ExitCode.Usage, `known-gateways file ${path}: mode 0${(st.mode & 0o777).toString(8)} lets others change which gateway piactl trusts at an address; run 'chmod 600 ${path}'`);
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
