/**
 * Two network namespaces joined by a veth pair with IPv6 addresses (iproute2), for running
 * `pia listen` and `pia ping` as if on two hosts of one link; optionally with fixed link-local
 * addresses, and a decoy link that makes a link-local address without its zone go astray.
 *
 * Must hold: a command that is missing or denied throws, naming the command, what it said and
 * the fix (the test then fails; it never skips). Names carry the creating process's pid, so
 * `removeLeftoverNamespaces` removes only what a dead run left behind, never a live run's.
 * The veth pair is created directly inside the two namespaces: nothing is left in the root
 * namespace if a run dies half-way.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { processAlive as alive } from '../../../common/test-support/index.js';

export interface NamespacePair {
  readonly a: string;
  readonly b: string;
  readonly addressA: string;
  readonly addressB: string;
  /** The veth end in A and in B: the zone of a link-local address on that side (fe80::b%interfaceA). */
  readonly interfaceA: string;
  readonly interfaceB: string;
  /** Deletes both namespaces (and with them the veth pair). */
  remove(): void;
}

/** Runs `ip ARGS…`; throws an error naming the command and the fix. */
export function ip(args: readonly string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; status?: number };
    const said = err.code === 'ENOENT' ? 'ip is not installed' : (err.stderr ?? err.message).trim();
    throw new Error(
      `'ip ${args.join(' ')}' failed (${said}); the namespace test needs iproute2 ('apt-get install -y iproute2') ` +
        `and root (CAP_SYS_ADMIN, CAP_NET_ADMIN) in a host or container that permits network namespaces`,
    );
  }
}

const NAME = /^pia-[ab]-(?:(\d+)-)?[0-9a-z]+$/;

/** Deletes namespaces named pia-a-… or pia-b-… whose creating process is gone; returns their names. */
export function removeLeftoverNamespaces(): string[] {
  const removed: string[] = [];
  for (const line of ip(['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = NAME.exec(name);
    if (m === null || (m[1] !== undefined && alive(Number(m[1])))) continue;
    ip(['netns', 'delete', name]);
    removed.push(name);
  }
  return removed;
}

export interface NamespacePairOptions {
  /**
   * Also LINK_LOCAL_A on A's veth end and LINK_LOCAL_B on B's, and no other link-local
   * address (addrgenmode none, set before the link is up): the source a peer sees is known.
   */
  readonly linkLocal?: boolean;
}

/** The link-local addresses of `createNamespacePair(…, { linkLocal: true })`, without zones. */
export const LINK_LOCAL_A = 'fe80::a';
export const LINK_LOCAL_B = 'fe80::b';

export function createNamespacePair(prefix = '2001:db8:77', options: NamespacePairOptions = {}): NamespacePair {
  const tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const a = `pia-a-${tag}`;
  const b = `pia-b-${tag}`;
  const veth = `pia${randomBytes(3).toString('hex')}`; // interface names ≤ 15 bytes
  const [va, vb] = [`${veth}a`, `${veth}b`];
  const pair: NamespacePair = {
    a,
    b,
    addressA: `${prefix}::1`,
    addressB: `${prefix}::2`,
    interfaceA: va,
    interfaceB: vb,
    remove() {
      for (const ns of [a, b]) {
        try {
          ip(['netns', 'delete', ns]);
        } catch {
          // not created, or already gone
        }
      }
    },
  };
  try {
    ip(['netns', 'add', a]);
    ip(['netns', 'add', b]);
    ip(['link', 'add', va, 'netns', a, 'type', 'veth', 'peer', 'name', vb, 'netns', b]);
    for (const [ns, dev, address, linkLocal] of [[a, va, pair.addressA, LINK_LOCAL_A], [b, vb, pair.addressB, LINK_LOCAL_B]] as const) {
      ip(['-n', ns, 'addr', 'add', `${address}/64`, 'dev', dev, 'nodad']); // nodad: usable at once (RFC 4862 §5.4 skipped)
      if (options.linkLocal === true) {
        ip(['-n', ns, 'link', 'set', 'dev', dev, 'addrgenmode', 'none']); // no EUI-64/random fe80:: address (RFC 4862 §5.3)
        ip(['-n', ns, 'addr', 'add', `${linkLocal}/64`, 'dev', dev, 'nodad']);
      }
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'link', 'set', dev, 'up']);
    }
  } catch (e) {
    pair.remove();
    throw e;
  }
  return pair;
}

/**
 * A second link in `ns` whose fe80::/64 route is preferred (metric 1) over the veth's (256):
 * a link-local destination without a zone, or with the zone dropped on the way to the socket,
 * then leaves by the decoy and is lost. A veth pair with both ends in `ns` (dummy devices may
 * be missing from the kernel). Returns the decoy's interface name.
 */
export function addDecoyLink(ns: string): string {
  const name = `piad${randomBytes(3).toString('hex')}`;
  const peer = `${name}p`;
  ip(['-n', ns, 'link', 'add', name, 'type', 'veth', 'peer', 'name', peer]);
  for (const dev of [name, peer]) {
    ip(['-n', ns, 'link', 'set', 'dev', dev, 'addrgenmode', 'none']);
    ip(['-n', ns, 'link', 'set', dev, 'up']);
  }
  ip(['-n', ns, 'addr', 'add', 'fe80::d/64', 'dev', name, 'nodad']);
  ip(['-n', ns, 'route', 'add', 'fe80::/64', 'dev', name, 'metric', '1']);
  return name;
}
