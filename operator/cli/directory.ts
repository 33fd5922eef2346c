/**
 * The gateway's devices as CoAP link format lists them (RFC 6690; coap/server/routes.ts):
 * a device link `</rack-fan>;rt="pia.device.fan";title="rack-fan"`, then one link per
 * property, action and blob `</rack-fan/speed>;rt="pia.fan.speed";obs`.
 *
 * How piactl finds devices (operator/README.md, "Targets"): it reads /.well-known/core at the
 * gateway's own address (the address it reaches the gateway's PIA endpoint at, CoAP port
 * 5683). A device link there is either
 *   - relative (`</rack-fan>`): the device is served at the gateway's address too, or
 *   - absolute (`<coap://[2001:db8:42:1::a1]/rack-fan>`, RFC 6690 §2): the device's own
 *     address; `ls` then reads that address's /.well-known/core for its resources.
 * A resource link belongs to the device whose path is its path minus the last segment, at the
 * same address and port. The same name listed both ways counts once, at its own address.
 */
import { parseCoapUri, type CoapEndpoint, type CoapTarget, type Link } from '../../coap/index.js';
import { canonicalAddress } from '../../pia/discovery/index.js';

export interface ListedResource {
  readonly name: string;
  readonly target: CoapTarget;
  readonly rt: string | undefined;
  /** CoAP content format (50 JSON, 22 image/jpeg, …). */
  readonly ct: number | undefined;
  readonly observable: boolean;
}

export interface ListedDevice {
  readonly name: string;
  /** From rt="pia.device.<kind>". */
  readonly kind: string | undefined;
  /** The device itself (GET: every property and the health). */
  readonly target: CoapTarget;
  resources: ListedResource[];
  /** Why its resources could not be listed (a refusal, no answer), when so. */
  problem?: string;
}

export interface Listing {
  readonly devices: ListedDevice[];
  /** Resources that belong to no listed device. */
  readonly others: ListedResource[];
}

/** GETs /.well-known/core at an address and parses it; a failure is the caller's (a CommandError). */
export type FetchLinks = (at: CoapEndpoint) => Promise<readonly Link[]>;

const DEVICE_RT = 'pia.device.';

/** One listing, read from `at`. */
export function readListing(links: readonly Link[], at: CoapEndpoint): Listing {
  const devices: ListedDevice[] = [];
  const resources: ListedResource[] = [];
  for (const link of links) {
    const target = linkTarget(link.href, at);
    if (target === undefined) continue;
    const rt = typeof link.attributes.rt === 'string' ? link.attributes.rt : undefined;
    const kind = rt?.split(' ').find((t) => t.startsWith(DEVICE_RT))?.slice(DEVICE_RT.length);
    const title = link.attributes.title;
    const last = target.path[target.path.length - 1];
    if (kind !== undefined) {
      devices.push({ name: typeof title === 'string' && title !== '' ? title : (last ?? ''), kind, target, resources: [] });
      continue;
    }
    if (last === undefined || last === '') continue;
    const ct = typeof link.attributes.ct === 'string' && /^\d+$/.test(link.attributes.ct) ? Number(link.attributes.ct) : undefined;
    resources.push({ name: last, target, rt, ct, observable: link.attributes.obs !== undefined });
  }
  const others: ListedResource[] = [];
  for (const r of resources) {
    const owner = devices.find((d) => isChild(d.target, r.target));
    if (owner === undefined) others.push(r);
    else owner.resources.push(r);
  }
  return { devices: dedupe(devices, at), others };
}

/**
 * The listing at `at`, and for each device listed at another address for which `wanted` says
 * so, that address's listing for its resources (each address read once).
 */
export async function readDirectory(at: CoapEndpoint, fetch: FetchLinks, wanted: (d: ListedDevice) => boolean, onProblem: (e: unknown) => string): Promise<Listing> {
  const listing = readListing(await fetch(at), at);
  const remote = new Map<string, ListedDevice[]>();
  for (const d of listing.devices) {
    if (!wanted(d) || d.resources.length > 0 || endpointKey(d.target.to) === endpointKey(at)) continue;
    const k = endpointKey(d.target.to);
    remote.set(k, [...(remote.get(k) ?? []), d]);
  }
  for (const group of remote.values()) {
    const to = group[0]!.target.to;
    try {
      const there = readListing(await fetch(to), to);
      const all = [...there.devices.flatMap((d) => d.resources), ...there.others];
      for (const d of group) d.resources = all.filter((r) => isChild(d.target, r.target));
    } catch (e) {
      const problem = onProblem(e);
      for (const d of group) d.problem = problem;
    }
  }
  return listing;
}

/** The device named `name`, preferring its own address (see the header). */
export function findDevice(listing: Listing, name: string): ListedDevice | undefined {
  return listing.devices.find((d) => d.name === name);
}

/** The target of a device, or of one of its resources. */
export function deviceTarget(device: ListedDevice, resource?: string): CoapTarget {
  return resource === undefined ? device.target : { to: device.target.to, path: [...device.target.path, resource], query: [] };
}

export function endpointKey(e: CoapEndpoint): string {
  return `${canonicalAddress(e.address)}|${e.port}`;
}

function linkTarget(href: string, at: CoapEndpoint): CoapTarget | undefined {
  if (/^coap:\/\//i.test(href)) {
    try {
      return parseCoapUri(href);
    } catch {
      return undefined; // not a usable CoAP URI: not ours to list
    }
  }
  if (!href.startsWith('/')) return undefined;
  try {
    const path = href === '/' ? [] : href.slice(1).split('/').map(decodeURIComponent);
    return { to: at, path, query: [] };
  } catch {
    return undefined;
  }
}

function isChild(parent: CoapTarget, child: CoapTarget): boolean {
  if (endpointKey(parent.to) !== endpointKey(child.to) || child.path.length !== parent.path.length + 1) return false;
  return parent.path.every((seg, i) => child.path[i] === seg);
}

/** One device per name: the one at its own address when it is listed at the gateway's as well. */
function dedupe(devices: readonly ListedDevice[], at: CoapEndpoint): ListedDevice[] {
  const byName = new Map<string, ListedDevice>();
  for (const d of devices) {
    const seen = byName.get(d.name);
    const own = endpointKey(d.target.to) !== endpointKey(at);
    if (seen === undefined || (own && endpointKey(seen.target.to) === endpointKey(at))) byName.set(d.name, d);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
