/**
 * Two network namespaces joined by a veth pair with IPv6 addresses (iproute2), for running
 * `pia listen` and `pia ping` as if on two hosts of one link.
 *
 * Must hold: a command that is missing or denied throws, naming the command, what it said and
 * the fix (the test then fails; it never skips). Names carry the creating process's pid, so
 * `removeLeftoverNamespaces` removes only what a dead run left behind, never a live run's.
 * The veth pair is created directly inside the two namespaces: nothing is left in the root
 * namespace if a run dies half-way.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NamespacePair {
  readonly a: string;
  readonly b: string;
  readonly addressA: string;
  readonly addressB: string;
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

export function createNamespacePair(prefix = '2001:db8:77'): NamespacePair {
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
    for (const [ns, dev, address] of [[a, va, pair.addressA], [b, vb, pair.addressB]] as const) {
      ip(['-n', ns, 'addr', 'add', `${address}/64`, 'dev', dev, 'nodad']); // nodad: usable at once (RFC 4862 §5.4 skipped)
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'link', 'set', dev, 'up']);
    }
  } catch (e) {
    pair.remove();
    throw e;
  }
  return pair;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
