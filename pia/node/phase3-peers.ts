/** Endpoint comparison for phase-3 waits: the same peer record, however the address is written. */
import type { PeerEndpoint } from '../discovery/index.js';
import type { NodeCore } from './node-core.js';
import type { Endpoint } from './transport.js';

export { formatEndpoint } from '../discovery/index.js';

export function samePeerEndpoint(core: NodeCore, a: PeerEndpoint, b: Endpoint): boolean {
  const pa = core.table.find(a);
  return pa !== undefined && pa === core.table.find(b);
}
