/**
 * What a burn must do with a board, decided from what its stores hold and the station's
 * journal (issue 7 §3), before anything is changed:
 *
 *   the journal has this board        → resume: the same identity (a re-run after a power cut)
 *   the key store holds ID X
 *     --force X (the store may be rewritten) → new identity, the stores overwritten
 *     an identity store is blank or torn     → complete: write X there, nothing else
 *     else                                   → refused: already provisioned, nothing changed
 *   the key store is blank or partial
 *     an identity store holds ID Y      → refused unless --force Y
 *     else                              → new identity
 *
 * Must hold: a provisioned board is never overwritten without --force naming the ID it holds;
 * a locked secure element is never "replaced" (its key slot can never be written again).
 */
import { createHash } from 'node:crypto';
import { nodeIdToText } from '../../pia/phase3/index.js';
import { ProvisioningError } from '../errors.js';
import type { BoardIdentity, IdentityStore, StoreState } from '../identity-store/types.js';
import type { JournalEntry } from './journal.js';
import type { Board, BurnOptions, StationContext } from './types.js';

export interface BurnPlan {
  readonly mode: 'new' | 'resume' | 'complete';
  readonly board: string;
  /** What each store holds now (key store first). */
  readonly states: readonly { readonly store: IdentityStore; readonly state: StoreState }[];
  readonly journal?: JournalEntry;
  /** The identity the key store holds (resume of a locked board, complete). */
  readonly held?: BoardIdentity;
  /** The ID this burn replaces (--force). */
  readonly replaces?: string;
  readonly summary: string;
}

/** The board's journal key: "se-<serial>" for a secure element, "file-<hash>" for a file store. */
export function boardKeyOf(keyStore: IdentityStore, serial: string | undefined): string {
  if (serial !== undefined && /^[0-9a-f]{2,40}$/i.test(serial)) return `se-${serial.toLowerCase()}`;
  return `file-${createHash('sha256').update(keyStore.where).digest('hex').slice(0, 16)}`;
}

/** The enrollment requestId for a board: the same board (and replaced ID) always asks the same, so a lost journal still resumes. */
export function requestIdFor(board: string, replaces: string | undefined): string {
  const h = createHash('sha256').update(`pia-provision/1|${board}|${replaces ?? ''}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x80; // UUID version 8 (RFC 9562 §5.8)
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80; // variant 10
  return nodeIdToText(h.subarray(0, 16));
}

const heldBy = (s: StoreState): BoardIdentity | undefined => (s.status === 'provisioned' ? s.identity : undefined);

export async function planBurn(ctx: StationContext, b: Board, board: string, o: BurnOptions): Promise<BurnPlan> {
  const states: { store: IdentityStore; state: StoreState }[] = [];
  for (const store of [b.keyStore, ...b.idStores]) states.push({ store, state: await store.inspect() });
  const [keyState, ...idStates] = states;
  const held = keyState === undefined ? undefined : heldBy(keyState.state);
  const journal = ctx.journal.get(board);
  const described = states.map(({ store, state }) => `${store.kind} ${state.status === 'provisioned' ? `holds ${state.identity.id}` : state.status}`).join(', ');
  const base = { board, states, summary: described };

  if (journal !== undefined) {
    if (held !== undefined && journal.id !== undefined && held.id !== journal.id) {
      throw new ProvisioningError('already-provisioned', `${b.keyStore.where} holds ${held.id}, but this station's unfinished burn of the board was for ${journal.id}: someone provisioned it since; nothing changed. To give it a new identity run again with --force ${held.id}`);
    }
    return { ...base, mode: 'resume', journal, ...(held === undefined ? {} : { held }), ...(journal.replaces === undefined ? {} : { replaces: journal.replaces }), summary: `${described}; resuming the unfinished burn${journal.id === undefined ? '' : ` of ${journal.id}`}` };
  }
  const foreign = idStates.flatMap(({ store, state }) => {
    const h = heldBy(state);
    return h !== undefined && h.id !== held?.id ? [{ store, id: h.id }] : [];
  });
  if (held !== undefined) {
    if (o.force === held.id) {
      const refusal = await b.keyStore.replaceRefusal();
      if (refusal !== undefined) throw new ProvisioningError('part-locked', `--force ${held.id}: ${refusal}`);
      return { ...base, mode: 'new', replaces: held.id, summary: `${described}; replacing ${held.id} (--force)` };
    }
    if (o.force !== undefined) throw wrongForce(o.force, `${b.keyStore.where} holds ${held.id}`);
    if (foreign.length === 0 && idStates.some(({ state }) => heldBy(state)?.id !== held.id)) {
      return { ...base, mode: 'complete', held, summary: `${described}; completing the identity stores with ${held.id}` };
    }
    const also = foreign.map((f) => `; ${f.store.where} holds another ID, ${f.id}`).join('');
    throw new ProvisioningError('already-provisioned', `board already provisioned: ${b.keyStore.where} holds ${held.id} (${held.label})${also}; nothing changed. To check it: pia-provision verify. To give it a new identity: --force ${held.id}, then revoke the old one with 'pia-trust node revoke ${held.id}'`);
  }
  const [first] = foreign;
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
