/**
 * Whether this process may change addresses and routes: CAP_NET_ADMIN (capability 12,
 * linux/capability.h) in the effective set, read from /proc/self/status "CapEff" (proc(5)).
 * Root in a container without the capability does not have it; a non-root process given
 * `AmbientCapabilities=CAP_NET_ADMIN` by systemd does.
 */
import { readFileSync } from 'node:fs';

export const CAP_NET_ADMIN = 12;

/** True when the "CapEff:" line of a /proc/PID/status text has bit 12 set. */
export function hasNetAdmin(statusText: string): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)\s*$/im.exec(statusText);
  if (m === null) return false;
  return (BigInt(`0x${m[1] ?? '0'}`) >> BigInt(CAP_NET_ADMIN)) % 2n === 1n;
}

/** This process's CAP_NET_ADMIN; false where /proc is missing (not Linux). */
export function processHasNetAdmin(read: () => string = () => readFileSync('/proc/self/status', 'utf8')): boolean {
  try {
    return hasNetAdmin(read());
  } catch {
    return false;
  }
}
