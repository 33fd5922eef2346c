/**
 * Makes the device addresses usable on this host, in one of four modes (README.md here):
 *
 *  1. add-addresses: `ip -6 addr add ADDR/128 dev IFACE nodad` per device ("File exists" is
 *     fine: a run that died left it); on a failure the addresses added so far are removed and
 *     the error names the command and the fix. Teardown deletes every device address.
 *  2. anyip-route: `ip -6 route add local PREFIX/64 dev lo` (the kernel takes the whole /64 as
 *     local: RFC-less Linux "AnyIP") and `sysctl -w net.ipv6.ip_nonlocal_bind=1` (bind() to
 *     an address no interface holds). Teardown removes the route only if this run added it,
 *     and restores the sysctl's previous value.
 *  3. loopback: nothing on the host changes; device i (config order) is served on [::1] at
 *     coapPort + i (one resource tree per local endpoint, as in the other modes).
 *  4. auto: add-addresses when the process has CAP_NET_ADMIN and the kernel lets it add
 *     addresses; otherwise loopback, said in ONE warning line with how to enable addresses.
 *
 * Must hold: teardown is idempotent and never throws (it runs on SIGTERM); a missing `ip` or a
 * refused command is an AddressingError naming the command, what it said and the fix.
 */
import { commandText, type CommandResult, type CommandRunner } from './commands.js';
import type { DeviceAddress } from './iid.js';
import { addressFromText, addressToText } from '../../pia/index.js';
import { processHasNetAdmin } from './privileges.js';

export type AddressingMode = 'auto' | 'add-addresses' | 'anyip-route' | 'loopback';
export type EffectiveAddressingMode = Exclude<AddressingMode, 'auto'>;
export const ADDRESSING_MODES: readonly AddressingMode[] = ['auto', 'add-addresses', 'anyip-route', 'loopback'];

/** Where the CoAP layer binds one device's resource tree. */
export interface DeviceEndpoint {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

/** pino's Logger fits. */
export interface AddressingLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface SetupOptions {
  /** The interface that gets the /128s in add-addresses mode (lo serves this host and a routed prefix). */
  readonly iface: string;
  readonly exec: CommandRunner;
  /** CoAP port of every device address; loopback mode counts up from it. */
  readonly coapPort: number;
  readonly log: AddressingLog;
  /** Default: CAP_NET_ADMIN from /proc/self/status. */
  readonly canAdminNetwork?: () => boolean;
}

export interface AddressingSetup {
  readonly mode: EffectiveAddressingMode;
  readonly endpoints: readonly DeviceEndpoint[];
  /** Undoes what setup changed on the host; safe to call twice; never throws (failures are logged). */
  teardown(): Promise<void>;
}

export class AddressingError extends Error {
  override readonly name = 'AddressingError';
  constructor(
    message: string,
    /** True when the kernel refused for want of privileges (auto mode falls back on it). */
    readonly permission = false,
  ) {
    super(message);
  }
}

const NONLOCAL_BIND = 'net.ipv6.ip_nonlocal_bind';
/** iproute2 6.x / kernel 6.x say "Error: ipv6: address already assigned." (extack); older ones "RTNETLINK answers: File exists". */
const PRESENT = /File exists|already assigned/i;
/** "Error: ipv6: address not found." (extack) or "RTNETLINK answers: Cannot assign requested address". */
const ABSENT = /Cannot assign requested address|address not found/i;
const LOOPBACK = '::1';
const PRIVILEGE_FIX = "run the gateway as root or grant it CAP_NET_ADMIN (systemd: AmbientCapabilities=CAP_NET_ADMIN), or set 'addressing: loopback'";

export async function setupDeviceAddresses(addresses: readonly DeviceAddress[], mode: AddressingMode, o: SetupOptions): Promise<AddressingSetup> {
  switch (mode) {
    case 'loopback':
      return loopback(addresses, o);
    case 'add-addresses':
      return addAddresses(addresses, o);
    case 'anyip-route':
      return anyIpRoute(addresses, o);
    case 'auto': {
      const fallback = (why: string): AddressingSetup => {
        const setup = loopback(addresses, o);
        const ports = setup.endpoints.length === 0 ? 'no devices' : `ports ${o.coapPort}–${o.coapPort + setup.endpoints.length - 1}`;
        o.log.warn(`addressing: ${why}, so every device is served on [${LOOPBACK}] (${ports}, in config order) instead of its own address; ${PRIVILEGE_FIX}`);
        return setup;
      };
      if (!(o.canAdminNetwork ?? (() => processHasNetAdmin()))()) return fallback('this process lacks CAP_NET_ADMIN (not root)');
      try {
        return await addAddresses(addresses, o);
      } catch (e) {
        if (e instanceof AddressingError && e.permission) return fallback(`the kernel refused to add addresses (${e.message.split(';')[0] ?? ''})`);
        throw e;
      }
    }
  }
}

function loopback(addresses: readonly DeviceAddress[], o: SetupOptions): AddressingSetup {
  const last = o.coapPort + addresses.length - 1;
  if (last > 0xffff) throw new AddressingError(`loopback addressing: ${addresses.length} devices from port ${o.coapPort} run past 65535; set gateway.coapPort lower`);
  return {
    mode: 'loopback',
    endpoints: addresses.map((a, i) => ({ name: a.name, address: LOOPBACK, port: o.coapPort + i })),
    teardown: () => Promise.resolve(),
  };
}

async function addAddresses(addresses: readonly DeviceAddress[], o: SetupOptions): Promise<AddressingSetup> {
  const added: DeviceAddress[] = [];
  const remove = async (list: readonly DeviceAddress[]): Promise<void> => {
    for (const a of list) {
      const args = ['-6', 'addr', 'del', `${a.address}/128`, 'dev', o.iface];
      const r = await quietly(o, 'ip', args);
      if (r.code !== 0 && !ABSENT.test(r.stderr)) o.log.warn(`addressing: '${commandText('ip', args)}' failed: ${said(r)}`);
    }
  };
  for (const a of addresses) {
    const args = ['-6', 'addr', 'add', `${a.address}/128`, 'dev', o.iface, 'nodad'];
    const r = await o.exec('ip', args);
    if (r.code === 0 || PRESENT.test(r.stderr)) {
      added.push(a);
      continue;
    }
    await remove(added);
    throw failure('ip', args, r, `device "${a.name}"`, o.iface);
  }
  o.log.info(`addressing: ${addresses.length} device addresses on ${o.iface} (add-addresses)`);
  let done = false;
  return {
    mode: 'add-addresses',
    endpoints: addresses.map((a) => ({ name: a.name, address: a.address, port: o.coapPort })),
    async teardown() {
      if (done) return;
      done = true;
      await remove(addresses);
    },
  };
}

async function anyIpRoute(addresses: readonly DeviceAddress[], o: SetupOptions): Promise<AddressingSetup> {
  const first = addresses[0];
  if (first === undefined) return { mode: 'anyip-route', endpoints: [], teardown: () => Promise.resolve() };
  const prefix = `${addressToText(Uint8Array.from([...addressFromText(first.address).subarray(0, 8), ...new Uint8Array(8)]))}/64`;
  const read = await o.exec('sysctl', ['-n', NONLOCAL_BIND]);
  if (read.code !== 0) throw failure('sysctl', ['-n', NONLOCAL_BIND], read, 'anyip-route', o.iface);
  const previous = read.stdout.trim();
  const routeArgs = ['-6', 'route', 'add', 'local', prefix, 'dev', 'lo'];
  const route = await o.exec('ip', routeArgs);
  const addedRoute = route.code === 0;
  if (!addedRoute && !PRESENT.test(route.stderr)) throw failure('ip', routeArgs, route, 'anyip-route', o.iface);
  const undoRoute = async (): Promise<void> => {
    if (!addedRoute) return;
    const args = ['-6', 'route', 'del', 'local', prefix, 'dev', 'lo'];
    const r = await quietly(o, 'ip', args);
    if (r.code !== 0) o.log.warn(`addressing: '${commandText('ip', args)}' failed: ${said(r)}`);
  };
  if (previous !== '1') {
    const setArgs = ['-w', `${NONLOCAL_BIND}=1`];
    const set = await o.exec('sysctl', setArgs);
    if (set.code !== 0) {
      await undoRoute();
      throw failure('sysctl', setArgs, set, 'anyip-route', o.iface);
    }
  }
  o.log.info(`addressing: ${prefix} routed to this host as local (anyip-route), ${addresses.length} devices`);
  let done = false;
  return {
    mode: 'anyip-route',
    endpoints: addresses.map((a) => ({ name: a.name, address: a.address, port: o.coapPort })),
    async teardown() {
      if (done) return;
      done = true;
      await undoRoute();
      if (previous !== '1' && /^\d+$/.test(previous)) {
        const args = ['-w', `${NONLOCAL_BIND}=${previous}`];
        const r = await quietly(o, 'sysctl', args);
        if (r.code !== 0) o.log.warn(`addressing: '${commandText('sysctl', args)}' failed: ${said(r)}`);
      }
    },
  };
}

/** For teardown paths, which must not throw: a runner that rejects counts as a failed command. */
async function quietly(o: SetupOptions, command: string, args: readonly string[]): Promise<CommandResult> {
  try {
    return await o.exec(command, args);
  } catch (e) {
    return { code: 1, stdout: '', stderr: e instanceof Error ? e.message : String(e) };
  }
}

function said(r: CommandResult): string {
  return (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).split('\n')[0] ?? '';
}

function failure(command: string, args: readonly string[], r: CommandResult, what: string, iface: string): AddressingError {
  const text = said(r);
  const head = `${what}: '${commandText(command, args)}' failed (${text})`;
  if (r.code === 127) return new AddressingError(`${head}; install ${command === 'ip' ? 'iproute2' : 'procps'} ('apt-get install -y ${command === 'ip' ? 'iproute2' : 'procps'}')`);
  if (/Operation not permitted|Permission denied|EPERM|EACCES/i.test(text)) return new AddressingError(`${head}; ${PRIVILEGE_FIX}`, true);
  if (/Cannot find device|does not exist/i.test(text)) return new AddressingError(`${head}; interface "${iface}" does not exist: 'ip -br link' lists them; set gateway.interface`);
  return new AddressingError(`${head}; check the prefix and the interface, or set 'addressing: loopback'`);
}
