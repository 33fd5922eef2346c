/**
 * `pia-provision inspect` (what each store holds, nothing changed) and `verify` (the identity
 * reads back the same from every store, and the trusted server completes phase 3 with the key
 * where the board keeps it). Neither needs the station's credential: the board names its server.
 */
import { ProvisioningError } from '../../identity/index.js';
import type { StoreState } from '../../identity/index.js';
import type { BoardSpec } from './board-spec.js';
import { ExitCode } from './exit-codes.js';
import type { ProvisionIo } from './run-pia-provision.js';
import { openBoard, phase3Check, type ProvisionDeps } from './station.js';

const describe = (s: StoreState): string => (s.status === 'provisioned' ? `provisioned: ${s.identity.id} (${s.identity.kind}, "${s.identity.label}")` : s.status === 'partial' ? `partial: ${s.detail}` : 'blank');

export async function inspectBoard(spec: BoardSpec, json: boolean, io: ProvisionIo, deps: ProvisionDeps): Promise<ExitCode> {
  const board = await openBoard(spec, deps);
  const out = [];
  for (const store of [board.keyStore, ...board.idStores]) {
    const probe = await store.probe();
    const state = await store.inspect();
    out.push({ store: store.kind, where: store.where, ...(probe.serial === undefined ? {} : { serial: probe.serial }), ...state });
    if (!json) io.stdout.write(`${store.where}${probe.serial === undefined ? '' : ` (serial ${probe.serial})`}: ${describe(state)}\n`);
  }
  if (json) io.stdout.write(`${JSON.stringify(out)}\n`);
  return ExitCode.Ok;
}

export async function verifyBoard(spec: BoardSpec, json: boolean, io: ProvisionIo, deps: ProvisionDeps): Promise<ExitCode> {
  const board = await openBoard(spec, deps);
  const keyState = await board.keyStore.inspect();
  if (keyState.status !== 'provisioned') {
    throw new ProvisioningError('verify-failed', `${board.keyStore.where} is ${describe(keyState)}: not provisioned; run 'pia-provision burn' (it resumes a partial board)`);
  }
  const { identity } = keyState;
  for (const store of board.idStores) {
    const s = await store.inspect();
    if (s.status !== 'provisioned' || s.identity.id !== identity.id) {
      throw new ProvisioningError('verify-failed', `${store.where} is ${describe(s)}, but ${board.keyStore.where} holds ${identity.id}; run 'pia-provision burn' to complete the board`);
    }
  }
  const server = { address: identity.server.address, port: identity.server.port };
  try {
    await phase3Check(deps, server, identity.server.id, identity.id, board.keyStore.nodeKey());
  } catch (err) {
    throw new ProvisioningError('verify-failed', `${identity.id}: no phase 3 with the trusted server ${server.address} port ${server.port} (${err instanceof Error ? err.message : String(err)}); check the server runs and 'pia-trust node list' shows the node active`, { cause: err });
  }
  if (json) io.stdout.write(`${JSON.stringify({ status: 'verified', ...identity })}\n`);
  else io.stdout.write(`VERIFIED ${identity.id} "${identity.label}": every store holds it, and the trusted server completed phase 3 with the key in ${board.keyStore.where}\n`);
  return ExitCode.Ok;
}
