/**
 * Targets to CoAP requests: a coap:// URI is used as written; a name (DEVICE or
 * DEVICE/RESOURCE) is looked up in the gateway's listing (directory.ts), at the gateway's own
 * address, CoAP port 5683.
 */
import { COAP_DEFAULT_PORT, LinkFormatError, formatCoapUri, parseLinks, type CoapEndpoint, type CoapTarget, type Link } from '../../coap/index.js';
import { formatEndpoint } from '../../pia/discovery/index.js';
import type { TargetArg } from './args.js';
import { deviceTarget, findDevice, readDirectory, type FetchLinks, type Listing } from './directory.js';
import { CommandError, ExitCode } from './exit-codes.js';
import { responseError } from './responses.js';
import type { Session } from './session.js';

export interface Resolved {
  readonly target: CoapTarget;
  /** What a person called it: "rack-fan/speed" or the URI as typed. */
  readonly label: string;
  /** The canonical URI, for --json. */
  readonly uri: string;
}

/** Where the gateway's own listing is: its PIA address, CoAP's port. */
export function gatewayListing(s: Pick<Session, 'gateway'>): CoapEndpoint {
  return { address: s.gateway.address, port: COAP_DEFAULT_PORT };
}

export function wellKnownCore(at: CoapEndpoint): CoapTarget {
  return { to: at, path: ['.well-known', 'core'], query: [] };
}

/** GET /.well-known/core through the session; refusals and bad answers become CommandErrors. */
export function fetchLinks(s: Session): FetchLinks {
  return async (at: CoapEndpoint): Promise<readonly Link[]> => {
    const target = wellKnownCore(at);
    const what = `listing ${formatCoapUri(target)}`;
    const r = await s.ask(what, s.client.get(target));
    if (!r.ok) throw responseError(what, r);
    try {
      return parseLinks(r.text());
    } catch (e) {
      if (e instanceof LinkFormatError) throw new CommandError(ExitCode.DeviceError, `${what}: the answer is not CoRE link format (${e.message})`);
      throw e;
    }
  };
}

/** The gateway's listing; remote devices' resources read only when `wanted`. */
export function readGatewayDirectory(s: Session, wanted: Parameters<typeof readDirectory>[2] = () => false): Promise<Listing> {
  return readDirectory(gatewayListing(s), fetchLinks(s), wanted, (e) => {
    if (e instanceof CommandError) return e.message;
    throw e;
  });
}

export async function resolveTarget(s: Session, t: TargetArg): Promise<Resolved> {
  if (t.kind === 'uri') return { target: t.uri, label: t.text, uri: formatCoapUri(t.uri) };
  const listing = await readGatewayDirectory(s);
  const device = findDevice(listing, t.device);
  if (device === undefined) throw notListed(s, t.device, listing);
  const target = deviceTarget(device, t.resource);
  return { target, label: t.text, uri: formatCoapUri(target) };
}

export function notListed(s: Session, name: string, listing: Listing): CommandError {
  const at = formatCoapUri(wellKnownCore(gatewayListing(s)));
  const names = listing.devices.map((d) => d.name);
  const listed = names.length === 0 ? 'it lists no device: give the device\'s address instead, coap://[ADDR]/DEVICE/RESOURCE' : `it lists ${names.join(', ')}`;
  return new CommandError(ExitCode.NotFound, `no device "${name}" at gateway ${formatEndpoint(s.gateway)} (${at}): ${listed}; 'piactl ls' shows them`, { device: name });
}
