/**
 * The soak's places in the network lab (scripts/lab/topology.ts): each role in its own
 * namespace behind the router (hosts.ts, rule 2) — the trusted server in `trust`, the gateway
 * in `building`, the broker in `dc`, the operators and the MQTT watcher in `ops` (whose traffic
 * crosses the on-path host, as an operations center's would).
 *
 * Must hold: the lab's leftovers from a soak that died are removed first (only namespaces whose
 * creating process is gone); `close()` kills every program and deletes the namespaces.
 */
import { createLab, removeLeftoverLabs, type LabHostName } from '../lab/topology.js';
import type { SoakHosts, SoakRole } from './hosts.js';

const PLACE: Readonly<Record<SoakRole, LabHostName>> = { trust: 'trust', gateway: 'building', broker: 'dc', operator: 'ops', watcher: 'ops' };

export function labHosts(): SoakHosts {
  removeLeftoverLabs();
  const lab = createLab({ prefix: 'piasoak' });
  return {
    kind: `network lab (trust, building, dc, ops namespaces behind a router)`,
    address: (role) => lab.hosts[PLACE[role]].address,
    bindAddress: () => '::',
    start: (role, argv, name) => lab.start(PLACE[role], argv, { name: `${PLACE[role]}: ${name}` }),
    run: (role, argv, timeoutMs) => lab.run(PLACE[role], argv, { timeoutMs }),
    close: () => lab.remove(),
  };
}
