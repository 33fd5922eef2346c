/**
 * What a burn must do with a board, decided from what its stores hold and the station's
 * journal, before anything is changed:
 *
 *   the journal has this board              → resume the same identity (a re-run after a power
 *                                              cut); refused if the key store now holds an ID
 *                                              that is neither the journal's nor the one it replaces
 *   the key store holds ID X
 *     --force X (the store may be rewritten) → new identity, every store overwritten
 *     an identity store holds Y, --force Y   → complete: X written over Y there
 *     an identity store is blank or torn     → complete: X written there, nothing else
 *     else                                   → refused: already provisioned, nothing changed
 *   the key store is blank or partial
 *     an identity store holds Y (or another
 *     tool's image naming Y)                 → refused unless --force Y
 *     else                                   → new identity
 *
 * "Holds" counts a store's partial state when it names an ID that is not this burn's (another
 * HAT's image): such a store would refuse the write after the chip is locked, so it is refused
 * here, before anything irreversible.
 *
 * Must hold: a provisioned board is never overwritten without --force naming the ID it holds;
 * a locked secure element is never "replaced" (its key slot can never be written again).
 */
import { createHash } from 'node:crypto';
import { ProvisioningError } from '../../identity/index.js';
import type { BoardIdentity, IdentityStore, StoreState } from '../../identity/index.js';
import type { JournalEntry } from './journal.js';
import type { Board, BurnOptions, StationContext } from './types.js';

export interface BurnPlan {
  /** new: a fresh identity; resume: the journal's; complete: the key store's, written to the identity stores. */
  readonly mode: 'new' | 'resume' | 'complete';
  readonly board: string;
  /** What each store holds now (key store first). */
  readonly states: readonly { readonly store: IdentityStore; readonly state: StoreState }[];
  readonly journal?: JournalEntry;
  /** The identity the key store holds, when the burn keeps it (complete, or a resume of a locked board). */
  readonly keep?: BoardIdentity;
  /** The ID this burn overwrites (--force). */
  readonly replaces?: string;
  readonly summary: string;
}

/** The board's journal key: "se-<serial>" for a secure element, "file-<hash of the path>" for a file store. */
export function boardKeyOf(keyStore: IdentityStore, serial: string | undefined): string {
  if (serial !== undefined && /^[0-9a-f]{2,40}$/i.test(serial)) return `se-${serial.toLowerCase()}`;
  return `file-${createHash('sha256').update(keyStore.where).digest('hex').slice(0, 16)}`;
}

/** The ID a store names: provisioned, or partial with an ID (a torn image, another tool's). */
const namedBy = (s: StoreState): string | undefined => (s.status === 'provisioned' ? s.identity.id : s.status === 'partial' ? s.id : undefined);

export async function planBurn(ctx: StationContext, b: Board, board: string, o: BurnOptions): Promise<BurnPlan> {
  const states: { store: IdentityStore; state: StoreState }[] = [];
  for (const store of [b.keyStore, ...b.idStores]) states.push({ store, state: await store.inspect() });
  const [keyState, ...idStates] = states;
  const held = keyState?.state.status === 'provisioned' ? keyState.state.identity : undefined;
  const journal = ctx.journal.get(board);
  const described = states.map(({ store, state }) => `${store.kind} ${state.status === 'provisioned' ? `holds ${state.identity.id}` : state.status}`).join(', ');
  const base = { board, states };

  if (journal !== undefined) {
    if (held !== undefined && held.id !== journal.id && held.id !== journal.replaces) {
      throw new ProvisioningError('already-provisioned', `${b.keyStore.where} holds ${held.id}, but this station's unfinished burn of the board was for ${journal.id ?? 'a new identity'}: someone provisioned it since; nothing changed. Remove the stale entry (${ctx.journal.removeCommand(board)}), then run again with --force ${held.id}`);
    }
    const ignored = o.force !== undefined || o.label !== journal.label || o.kind !== journal.kind ? ` (its label "${journal.label}" and kind ${journal.kind} kept; this run's options ignored)` : '';
    return { ...base, mode: 'resume', journal, ...(held !== undefined && held.id === journal.id ? { keep: held } : {}), ...(journal.replaces === undefined ? {} : { replaces: journal.replaces }), summary: `${described}; resuming the unfinished burn${journal.id === undefined ? '' : ` of ${journal.id}`}${ignored}` };
  }
  const foreign = idStates.flatMap(({ store, state }) => {
    const id = namedBy(state);
    return id !== undefined && id !== held?.id ? [{ store, id }] : [];
  });
  const [first] = foreign;
  if (held !== undefined) {
    if (o.force === held.id) {
      const refusal = await b.keyStore.replaceRefusal();
      if (refusal !== undefined) throw new ProvisioningError('part-locked', `--force ${held.id}: ${refusal}`);
      return { ...base, mode: 'new', replaces: held.id, summary: `${described}; replacing ${held.id} (--force)` };
    }
    if (first !== undefined && o.force === first.id && foreign.length === 1) {
      return { ...base, mode: 'complete', keep: held, replaces: first.id, summary: `${described}; writing ${held.id} over ${first.id} in ${first.store.where} (--force)` };
    }
    if (o.force !== undefined) throw wrongForce(o.force, `${b.keyStore.where} holds ${held.id}${first === undefined ? '' : ` and ${first.store.where} ${first.id}`}`);
    if (first !== undefined) {
      throw new ProvisioningError('already-provisioned', `board already provisioned: ${b.keyStore.where} holds ${held.id}, but ${first.store.where} holds another ID, ${first.id} (another board's HAT?); nothing changed. Fit the board's own HAT, or run again with --force ${first.id} to write ${held.id} over it`);
    }
    if (idStates.some(({ state }) => state.status !== 'provisioned' || state.identity.id !== held.id)) {
      return { ...base, mode: 'complete', keep: held, summary: `${described}; completing the identity stores with ${held.id}` };
    }
    throw new ProvisioningError('already-provisioned', `board already provisioned: ${b.keyStore.where} holds ${held.id} (${held.label}); nothing changed. To check it: pia-provision verify. To give it a new identity: --force ${held.id}, then revoke the old one with 'pia-trust node revoke ${held.id}'`);
  }
  if (first !== undefined) {
    if (o.force === first.id) return { ...base, mode: 'new', replaces: first.id, summary: `${described}; replacing ${first.id} (--force)` };
    if (o.force !== undefined) throw wrongForce(o.force, `${first.store.where} holds ${first.id}`);
    throw new ProvisioningError('already-provisioned', `board already provisioned: ${first.store.where} holds ${first.id}; nothing changed. To give the board a new identity run again with --force ${first.id}`);
  }
  if (o.force !== undefined) throw new ProvisioningError('usage', `--force ${o.force}: the board holds no identity (${described}); run without --force`);
  return { ...base, mode: 'new', summary: `${described}; a new identity` };
}

function wrongForce(given: string, holds: string): ProvisioningError {
  return new ProvisioningError('usage', `--force ${given}: ${holds}, not ${given}; --force must name the ID the board holds now`);
}
