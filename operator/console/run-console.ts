/**
 * `piactl console [--gateway [ADDR]:PORT …] [--open]`: the operator's live console in the
 * browser. This process is the PIA node, with the operator's credential, as every piactl
 * command; the browser holds no PIA key, only a token for this console.
 *
 * Flow:
 *  1. which gateways: each --gateway (or PIACTL_GATEWAY), then each line of the known-gateways
 *     file, once per endpoint; each with its pinned ID (--gateway-id, or the file's line);
 *     none → exit 2 saying how to name one; the credential is read first (a bad one: exit 2);
 *  2. the page's files loaded (common/http StaticAssets), a token (32 random bytes), the core
 *     (console-core.ts) started: every gateway connects by itself;
 *  3. the server on 127.0.0.1, a free port; `piactl: console at http://127.0.0.1:PORT/#token=…`
 *     (the token in the fragment: never sent to a server, never in a Referer); --open runs
 *     xdg-open with it when installed, and says so when not;
 *  4. Ctrl-C / SIGTERM: every observation deregistered, every gateway closed, the server
 *     closed (pages see "console stopped"); exit 0.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../common/index.js';
import { StaticAssets } from '../../common/http/index.js';
import { parseEndpoint } from '../../pia/cli/index.js';
import { CommandError, ExitCode, knownGatewayEndpoint, readCredential, readKnownGateways, type ConsoleCommand, type PiactlIo } from '../cli/index.js';
import { newToken } from './access.js';
import { ConsoleCore, type ConsoleGateway } from './console-core.js';
import { startConsoleServer, type ConsoleServer } from './server.js';

export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
export const SNAPSHOT_TIMEOUT_MS = 60_000;

/** What a test changes: the port, the browser opener, the wall clock; and where it learns the URL. */
export interface ConsoleIo {
  readonly consolePort?: number;
  /** Default: xdg-open from PATH (false when it is not installed). */
  readonly openUrl?: (url: string) => boolean;
  readonly wallNow?: () => number;
  /** Called once the console serves (tests; the URL is printed anyway). */
  readonly onReady?: (server: ConsoleServer, core: ConsoleCore) => void;
  readonly snapshotTimeoutMs?: number;
}

export async function runConsole(cmd: ConsoleCommand, io: PiactlIo & ConsoleIo): Promise<number> {
  readCredential(cmd.credential);
  const gateways = consoleGateways(cmd);
  const clock = io.clock ?? systemClock();
  const log = (line: string): void => void io.stderr.write(`${line}\n`);
  let assets: StaticAssets;
  try {
    assets = StaticAssets.load(STATIC_DIR);
  } catch (e) {
    throw new CommandError(ExitCode.Usage, `console: the page's files cannot be served: ${(e as Error).message}; reinstall piactl`);
  }
  const core = new ConsoleCore({ gateways, io, clock, ...(io.wallNow === undefined ? {} : { wallNow: io.wallNow }) });
  const token = newToken();
  let server: ConsoleServer;
  try {
    server = await startConsoleServer({ core, assets, token, clock, port: io.consolePort ?? 0, snapshotTimeoutMs: io.snapshotTimeoutMs ?? SNAPSHOT_TIMEOUT_MS, log });
  } catch (e) {
    throw new CommandError(ExitCode.Usage, `console: cannot listen on 127.0.0.1:${io.consolePort ?? 0} (${(e as Error).message}); another program may hold that port`);
  }
  core.start();
  if (cmd.json) io.stdout.write(`${JSON.stringify({ ok: true, command: 'console', url: server.url, gateways: core.gatewayNames })}\n`);
  else io.stdout.write(`piactl: console at ${server.url}\npiactl: gateways: ${core.gatewayNames.join(', ')}; Ctrl-C stops the console\n`);
  if (cmd.open && !(io.openUrl ?? xdgOpen)(server.url)) io.stderr.write('piactl: warning: --open: xdg-open is not installed; open the URL above in a browser\n');
  io.onReady?.(server, core);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await core.stop();
  await server.close();
  return ExitCode.Ok;
}

/** Step 1: the gateways, once per endpoint, each with the ID expected there. */
export function consoleGateways(cmd: ConsoleCommand): ConsoleGateway[] {
  const known = readKnownGateways(cmd.knownGateways);
  const seen = new Set<string>();
  const out: ConsoleGateway[] = [];
  const session = { credential: cmd.credential, json: cmd.json, timeoutMs: cmd.timeoutMs, gatewayId: cmd.gatewayId, knownGateways: cmd.knownGateways, ...(cmd.suites === undefined ? {} : { suites: cmd.suites }) };
  const add = (gateway: { address: string; port: number }, expectedId: string | undefined): void => {
    const k = knownGatewayEndpoint(gateway);
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ session: { ...session, gateway }, ...(expectedId === undefined ? {} : { expectedId }) });
  };
  for (const g of cmd.gateways) add(g, cmd.gatewayId?.id ?? known.find((k) => k.endpoint === knownGatewayEndpoint(g))?.id);
  for (const k of known) add(parseEndpoint('endpoint', k.endpoint, { allowWildcard: false, minPort: 1 }), k.id);
  if (out.length === 0) {
    throw new CommandError(ExitCode.Usage, `console: no gateway to show; give --gateway [ADDR]:PORT (repeatable), or connect once with another command ('piactl ping [ADDR]:PORT') so that ${cmd.knownGateways} remembers it`);
  }
  return out;
}

/** xdg-open URL, detached; false when it is not on PATH. */
function xdgOpen(url: string): boolean {
  const found = (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, 'xdg-open'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) return false;
  const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  return true;
}
