/**
 * `PiaNode.phase3Ready`: waits until datagrams with a peer travel on a phase-3 pair (§9.4),
 * or says why they do not (denied, failed, not within the time given).
 */
import { formatEndpoint, samePeerEndpoint } from './phase3-peers.js';
import { describeNodeEvent } from './node-support.js';
import type { NodeCore } from './node-core.js';
import type { PiaNodeEvent } from './node-types.js';
import type { Endpoint } from './transport.js';

export function waitForPhase3(core: NodeCore, peer: Endpoint, timeoutMs: number): Promise<void> {
  const p = core.table.find(peer);
  if (p?.current?.phase === 3) return Promise.resolve();
  if (p?.phase3Error !== undefined) return Promise.reject(new Error(`PIA ${p.phase3Error}`));
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      core.eventListeners.delete(listener);
      core.clock.clearTimeout(timer);
      if (error === undefined) resolve();
      else reject(error);
    };
    const listener = (e: PiaNodeEvent): void => {
      if (e.kind !== 'phase3-up' && e.kind !== 'phase3-denied' && e.kind !== 'phase3-failed') return;
      if (!samePeerEndpoint(core, e.peer, peer)) return;
      if (e.kind === 'phase3-up') done();
      else done(new Error(`PIA ${describeNodeEvent(e)}`));
    };
    const timer = core.clock.setTimeout(
      () => done(new Error(`PIA phase 3 with ${formatEndpoint(peer)}: not complete after ${timeoutMs} ms; check that both nodes have identities and the trusted server is reachable`)),
      timeoutMs,
    );
    core.eventListeners.add(listener);
  });
}
