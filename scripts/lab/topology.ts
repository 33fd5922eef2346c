/**
 * The network lab (docs/lab.md): six hosts and a router, each a network namespace, joined by
 * veth pairs, one /64 per link, so the real programs talk across IPv6 routing as on separate
 * machines.
 *
 * ```
 *   ops ── onpath ── router ─┬─ dc
 *                            ├─ building
 *                            ├─ trust
 *                            └─ legacy
 * ```
 *
 * Must hold:
 * 1. every namespace is named `PREFIX-PID-TAG-HOST` (PID of the creating process, TAG random):
 *    `removeLeftoverLabs` deletes only namespaces whose creating process is gone, after killing
 *    what still runs in them (`ip netns delete` alone would leave those programs running, in a
 *    namespace nobody can name any more);
 * 2. DAD is off in every namespace before any link exists (RFC 4862 §5.4 skipped): addresses,
 *    link-local ones too, are usable at once;
 * 3. the router and the on-path host forward IPv6 (`net.ipv6.conf.all.forwarding=1`); every
 *    host's default route is its link's router address (`::1`); the operations center reaches
 *    the router only through the on-path host, which forwards by default (the attack stage may
 *    add nftables rules there to drop, modify or inject);
 * 4. `lo` is up everywhere (a program may bind ::1 or 127.0.0.1 inside its host);
 * 5. every process started through `exec`/`start`/`run` runs in its own process group and is
 *    killed by `remove()`, which then deletes the namespaces (their veths go with them);
 * 6. a command that fails throws, naming the command, what it said and the fix: a test fails,
 *    it never skips.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProcessTracker, REPO_ROOT, type TrackedProcess } from '../../common/test-support/index.js';
import { processAlive as alive } from '../../common/test-support/index.js';

export type LabHostName = 'ops' | 'dc' | 'building' | 'trust' | 'legacy' | 'onpath';
export const LAB_HOSTS: readonly LabHostName[] = ['ops', 'dc', 'building', 'trust', 'legacy', 'onpath'];

export interface LabHost {
  readonly name: string;
  readonly netns: string;
  /** The host's global IPv6 address (2001:db8:…, documentation prefix, RFC 3849). */
  readonly address: string;
}

export interface LabExecOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly stdin?: 'ignore' | 'pipe';
  /** A name for error messages; default `HOST: ARGV0`. */
  readonly name?: string;
}

export interface LabRunOptions extends LabExecOptions {
  /** The process group is killed after this many ms (default 15 000). */
  readonly timeoutMs?: number;
}

export interface LabRunResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Lab {
  readonly hosts: Record<LabHostName, LabHost>;
  /** The router's namespace name. */
  readonly router: string;
  /** Host name → the router-side veth its traffic crosses (ops's is the on-path link's): where tshark listens. */
  readonly routerInterfaces: Record<string, string>;
  /** The on-path host's interfaces: toward the router and toward ops. */
  readonly onpathInterfaces: { readonly router: string; readonly ops: string };
  /** `ip netns exec NS argv…` in its own process group. `host` is a lab host's name or 'router'. */
  exec(host: string, argv: readonly string[], opts?: LabExecOptions): ChildProcess;
  /** As `exec`, with captured output and `waitFor` (common/test-support's TrackedProcess). */
  start(host: string, argv: readonly string[], opts?: LabExecOptions): TrackedProcess;
  /** Runs to completion (killed after `timeoutMs`). */
  run(host: string, argv: readonly string[], opts?: LabRunOptions): Promise<LabRunResult>;
  /** Kills every process started here, then deletes the namespaces. */
  remove(): Promise<void>;
}

export interface LabOptions {
  /** Namespace name prefix: lower-case letters and digits, default `pialab`. */
  readonly prefix?: string;
  /** The /48 the links' /64s are cut from, default `2001:db8:1ab`. */
  readonly addressPrefix?: string;
}

/** `node --import <tsx loader> FILE ARGS…`: a TypeScript program of this repository as one process (see common/test-support/child-processes.ts). */
export function tsxArgv(file: string, args: readonly string[] = []): string[] {
  const loader = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  return [process.execPath, '--import', loader, join(REPO_ROOT, file), ...args];
}

/** Runs `ip ARGS…`; throws naming the command and the fix. */
export function ip(args: readonly string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const said = err.code === 'ENOENT' ? 'ip is not installed' : (err.stderr ?? err.message).trim();
    throw new Error(
      `'ip ${args.join(' ')}' failed (${said}); the network lab needs iproute2 ('apt-get install -y iproute2') and root ` +
        `(CAP_SYS_ADMIN, CAP_NET_ADMIN) in a host or container that permits network namespaces`,
    );
  }
}

/** `sysctl -w SETTINGS…` inside `ns`. */
function sysctl(ns: string, settings: readonly string[]): void {
  ip(['netns', 'exec', ns, 'sysctl', '-q', '-w', ...settings]);
}

const NAME = /^([a-z][a-z0-9]*)-(\d+)-([0-9a-f]{6})-(ops|dc|building|trust|legacy|onpath|router)$/;
const PREFIX = /^[a-z][a-z0-9]{0,15}$/;

/** Kills the programs left in lab namespaces whose creating process is gone, deletes those namespaces; returns their names. */
export function removeLeftoverLabs(): string[] {
  const removed: string[] = [];
  for (const line of ip(['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = NAME.exec(name);
    if (m === null || alive(Number(m[2]))) continue;
    for (const pid of ip(['netns', 'pids', name]).split('\n').filter((p) => /^\d+$/.test(p))) killQuietly(Number(pid));
    ip(['netns', 'delete', name]);
    removed.push(name);
  }
  return removed;
}

/** The links, each its own /64 (`PREFIX:N::/64`): the upstream side is `::1`, the host `::2`. */
const LINKS: ReadonlyArray<{ host: LabHostName; subnet: number; upstream: 'router' | 'onpath' }> = [
  { host: 'dc', subnet: 1, upstream: 'router' },
  { host: 'building', subnet: 2, upstream: 'router' },
  { host: 'trust', subnet: 3, upstream: 'router' },
  { host: 'legacy', subnet: 4, upstream: 'router' },
  { host: 'onpath', subnet: 5, upstream: 'router' },
  { host: 'ops', subnet: 6, upstream: 'onpath' },
];

export function createLab(options: LabOptions = {}): Lab {
  const prefix = options.prefix ?? 'pialab';
  if (!PREFIX.test(prefix)) throw new Error(`lab prefix '${prefix}' is not usable: give 1–16 lower-case letters or digits, starting with a letter`);
  const net = options.addressPrefix ?? '2001:db8:1ab';
  const tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const nsOf = (h: string): string => `${prefix}-${tag}-${h}`;
  const router = nsOf('router');
  const hosts = Object.fromEntries(
    LINKS.map((l) => [l.host, { name: l.host, netns: nsOf(l.host), address: `${net}:${l.subnet}::2` }]),
  ) as Record<LabHostName, LabHost>;
  const routerSide = (h: LabHostName): string => `r-${h}`;
  const routerInterfaces: Record<string, string> = Object.fromEntries(
    LINKS.map((l) => [l.host, l.upstream === 'router' ? routerSide(l.host) : routerSide('onpath')]),
  );
  const tracker = new ProcessTracker();
  const all = [router, ...LINKS.map((l) => hosts[l.host].netns)];
  const created: string[] = [];

  const deleteNamespaces = (): void => {
    for (const ns of created.splice(0)) {
      try {
        ip(['netns', 'delete', ns]);
      } catch {
        // already gone
      }
    }
  };
  const nsFor = (host: string): string => {
    if (host === 'router') return router;
    const h = (hosts as Record<string, LabHost | undefined>)[host];
    if (h === undefined) throw new Error(`no lab host '${host}': use one of ${[...LAB_HOSTS, 'router'].join(', ')}`);
    return h.netns;
  };
  const start = (host: string, argv: readonly string[], o: LabExecOptions = {}): TrackedProcess => {
    const [program, ...args] = argv;
    if (program === undefined) throw new Error(`lab ${host}: an empty command line: give the program and its arguments`);
    return tracker.start('ip', ['netns', 'exec', nsFor(host), program, ...args], { name: o.name ?? `${host}: ${program}`, ...(o.env ? { env: o.env } : {}), ...(o.cwd ? { cwd: o.cwd } : {}), ...(o.stdin ? { stdin: o.stdin } : {}) });
  };

  try {
    for (const ns of all) {
      ip(['netns', 'add', ns]);
      created.push(ns);
      sysctl(ns, ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_ra=0', 'net.ipv6.conf.default.accept_ra=0']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    sysctl(router, ['net.ipv6.conf.all.forwarding=1']);
    sysctl(hosts.onpath.netns, ['net.ipv6.conf.all.forwarding=1']);
    for (const l of LINKS) {
      const upNs = l.upstream === 'router' ? router : hosts.onpath.netns;
      const upDev = l.upstream === 'router' ? routerSide(l.host) : 'to-ops';
      const hostDev = l.host === 'onpath' ? 'to-router' : 'eth0';
      ip(['link', 'add', upDev, 'netns', upNs, 'type', 'veth', 'peer', 'name', hostDev, 'netns', hosts[l.host].netns]);
      ip(['-n', upNs, 'addr', 'add', `${net}:${l.subnet}::1/64`, 'dev', upDev, 'nodad']);
      ip(['-n', hosts[l.host].netns, 'addr', 'add', `${net}:${l.subnet}::2/64`, 'dev', hostDev, 'nodad']);
      ip(['-n', upNs, 'link', 'set', upDev, 'up']);
      ip(['-n', hosts[l.host].netns, 'link', 'set', hostDev, 'up']);
      ip(['-n', hosts[l.host].netns, '-6', 'route', 'add', 'default', 'via', `${net}:${l.subnet}::1`]);
    }
    // The router reaches the operations center's link through the on-path host.
    ip(['-n', router, '-6', 'route', 'add', `${net}:6::/64`, 'via', hosts.onpath.address]);
  } catch (e) {
    deleteNamespaces();
    throw e;
  }

  return {
    hosts,
    router,
    routerInterfaces,
    onpathInterfaces: { router: 'to-router', ops: 'to-ops' },
    exec: (host, argv, o) => start(host, argv, o).child,
    start,
    async run(host, argv, o = {}) {
      const p = start(host, argv, o);
      const timer = setTimeout(() => p.child.pid !== undefined && killQuietly(-p.child.pid), o.timeoutMs ?? 15_000);
      const code = await p.exited;
      clearTimeout(timer);
      return { code, stdout: p.stdout(), stderr: p.stderr() };
    },
    async remove() {
      await tracker.stopAll();
      deleteNamespaces();
    },
  };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
