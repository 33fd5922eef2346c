/**
 * The resource tree: devices mounted per local address (a device = an address), each under
 * a path segment (its name by default; '' mounts it at the root of its address). Resolution:
 *   /.well-known/core                     → the link-format listing of that address
 *   /<mount>                              → the device
 *   /<mount>/<name>                       → property, action or blob `name` (for POST an
 *                                           action wins over a property of the same name)
 * A device mounted at '' is looked up after the named mounts. The local address '*' matches
 * any address (one socket on :: or a laptop demo on ::1).
 */
import type { Served } from './served.js';
import { canonicalAddress } from '../../pia/discovery/index.js';
import { ContentFormat } from '../message/options.js';
import type { Link } from '../message/link-format.js';
import type { CoapMethod } from '../message/codes.js';
import type { Target } from './types.js';

export interface Mount {
  readonly local: string;
  readonly path: string;
  readonly device: Served;
  readonly name: string;
}

export const ANY_LOCAL = '*';

export class ResourceTree {
  readonly #byLocal = new Map<string, Map<string, Mount>>();

  add(local: string, path: string, device: Served): Mount {
    if (path.includes('/')) throw new Error(`CoAP mount path "${path}" contains "/"; a device is one path segment`);
    if (path === '.well-known') throw new Error('CoAP mount path ".well-known" is reserved (RFC 8615)');
    const key = local === ANY_LOCAL ? ANY_LOCAL : canonicalAddress(local);
    const mounts = this.#byLocal.get(key) ?? new Map<string, Mount>();
    if (mounts.has(path)) throw new Error(`CoAP: a device is already mounted at ${key} /${path}; give this one another path`);
    const mount = { local: key, path, device, name: device.describe().name };
    mounts.set(path, mount);
    this.#byLocal.set(key, mounts);
    return mount;
  }

  remove(mount: Mount): void {
    const mounts = this.#byLocal.get(mount.local);
    if (mounts?.get(mount.path) !== mount) return;
    mounts.delete(mount.path);
    if (mounts.size === 0) this.#byLocal.delete(mount.local);
  }

  /** The mounts reachable at `local`, its own first. */
  at(local: string): Mount[] {
    const own = [...(this.#byLocal.get(local)?.values() ?? [])];
    const any = [...(this.#byLocal.get(ANY_LOCAL)?.values() ?? [])].filter((m) => !own.some((o) => o.path === m.path));
    return [...own, ...any];
  }

  all(): Mount[] {
    return [...this.#byLocal.values()].flatMap((m) => [...m.values()]);
  }

  resolve(local: string, path: readonly string[], method: CoapMethod | undefined): { target: Target; mount?: Mount } | undefined {
    const segs = path.length > 0 && path[path.length - 1] === '' ? path.slice(0, -1) : path;
    if (segs.length === 2 && segs[0] === '.well-known' && segs[1] === 'core') return { target: { kind: 'well-known-core' } };
    const mounts = this.at(local);
    const named = segs.length > 0 ? mounts.find((m) => m.path === segs[0] && m.path !== '') : undefined;
    const root = mounts.find((m) => m.path === '');
    const [mount, rest] = named !== undefined ? [named, segs.slice(1)] : root !== undefined ? [root, segs] : [undefined, segs];
    if (mount === undefined || rest.length > 1) return undefined;
    const device = mount.name;
    if (rest.length === 0) return { target: { kind: 'device', device }, mount };
    const name = rest[0]!;
    const d = mount.device.describe();
    const property = d.properties.find((p) => p.name === name);
    const action = d.actions.find((a) => a.name === name);
    const blob = d.blobs.find((b) => b.name === name);
    if (action !== undefined && (method === 'POST' || property === undefined)) return { target: { kind: 'action', device, name, spec: action }, mount };
    if (property !== undefined) return { target: { kind: 'property', device, name, spec: property }, mount };
    if (blob !== undefined) return { target: { kind: 'blob', device, name, spec: blob }, mount };
    return undefined;
  }

  /** RFC 6690 links of every resource at `local`, with `rt`, `ct` and `obs` (RFC 7641 §6). */
  links(local: string): Link[] {
    const links: Link[] = [];
    for (const m of this.at(local)) {
      const d = m.device.describe();
      const base = m.path === '' ? '' : `/${encodeURIComponent(m.path)}`;
      const json = String(ContentFormat.Json);
      links.push({ href: base === '' ? '/' : base, attributes: { rt: `pia.device.${d.kind}`, ct: json, title: d.name } });
      for (const p of d.properties) {
        links.push({ href: `${base}/${encodeURIComponent(p.name)}`, attributes: { rt: p.rt, ct: json, ...(p.observable ? { obs: true as const } : {}) } });
      }
      for (const a of d.actions) links.push({ href: `${base}/${encodeURIComponent(a.name)}`, attributes: { rt: a.rt, ct: json } });
      for (const b of d.blobs) links.push({ href: `${base}/${encodeURIComponent(b.name)}`, attributes: { rt: b.rt, ct: String(b.contentFormat) } });
    }
    return links;
  }
}

/** The grant right a request needs (docs/protocol.md §9.6), undefined when the method does not apply. */
export function requiredRight(method: CoapMethod | undefined, target: Target | undefined): string | undefined {
  if (target === undefined) return undefined;
  switch (target.kind) {
    case 'well-known-core':
      return undefined;
    case 'device':
    case 'blob':
      return method === 'GET' ? 'read' : undefined;
    case 'property':
      return method === 'GET' ? 'read' : method === 'PUT' && target.spec.writable ? 'control' : undefined;
    case 'action':
      return method === 'POST' ? target.spec.right : undefined;
  }
}
