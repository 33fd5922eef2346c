/**
 * `pia-provision burn` for one board, resumed after a power cut at any step:
 *
 *   1. probe      every store answers and is the right part; the secure element's serial
 *   2. inspect    what the stores hold, and the station's journal → plan.ts
 *   3. identity   the journal entry (a random requestId) is written first; then the trusted server
 *                 generates the ID and key ("generate"), or registers the ones the station made
 *                 ("register"); both idempotent, so a re-run with the entry gets the same answer
 *   4. write      the key store (key and identity), then each identity store; every store resumes
 *                 what a power cut broke off and skips what is done
 *   5. read back  every store reads back as provisioned with this ID
 *   6. phase 3    a real exchange with the trusted server using the key where the board keeps it
 *   7. label      PNG and terminal QR; then the journal entry goes
 *
 * Must hold: the board is registered before any of its stores holds the identity, so a board
 * that holds an ID is always one the server knows; the key is wiped from memory once written;
 * no step line, error or result carries it.
 */
import { P3Reason, newNodeId, nodeIdFromText, nodeIdToText } from '../../pia/phase3/index.js';
import { ProvisioningError } from '../../identity/index.js';
import type { BoardIdentity } from '../../identity/index.js';
import type { JournalEntry } from './journal.js';
import { boardKeyOf, planBurn, type BurnPlan } from './plan.js';
import { StepRecorder } from './steps.js';
import type { Board, BurnOptions, BurnResult, StationContext, StepLine } from './types.js';

interface Obtained {
  readonly identity: BoardIdentity;
  /** Undefined when the key store already holds it (nothing to write there). */
  readonly key?: Uint8Array;
  readonly created: boolean;
}

export async function burnBoard(ctx: StationContext, b: Board, o: BurnOptions, onStep: (line: StepLine) => void = () => undefined): Promise<BurnResult> {
  const steps = new StepRecorder(ctx.clock, onStep);
  const start = ctx.clock.now();
  let board = b.keyStore.kind === 'file' ? boardKeyOf(b.keyStore, undefined) : 'unprobed';
  let serial: string | undefined;
  let obtained: Obtained | undefined;
  const result = (extra: Partial<BurnResult>): BurnResult => ({
    board,
    where: b.keyStore.where,
    ...(serial === undefined ? {} : { serial }),
    status: 'failed',
    label: obtained?.identity.label ?? o.label,
    created: obtained?.created ?? false,
    steps: steps.lines,
    ms: ctx.clock.now() - start,
    ...(obtained === undefined ? {} : { id: obtained.identity.id }),
    ...extra,
  });
  try {
    const probed = await steps.run('probe', async () => {
      const p = await b.keyStore.probe();
      const others = [];
      for (const s of b.idStores) others.push((await s.probe()).detail);
      return { value: p, detail: [p.detail, ...others].join('; ') };
    });
    serial = probed.serial;
    board = boardKeyOf(b.keyStore, serial);
    const plan = await steps.run('inspect', async () => {
      const p = await planBurn(ctx, b, board, o);
      return { value: p, detail: p.summary };
    });
    obtained = await steps.run('obtain identity', () => obtainIdentity(ctx, plan, o));
    const got = obtained;
    try {
      await writeStores(b, plan, got, steps);
    } finally {
      got.key?.fill(0);
    }
    await steps.run('read back', () => readBack(b, got.identity.id));
    await steps.run('phase 3 with the trusted server', async () => {
      try {
        await ctx.phase3(got.identity.id, b.keyStore.nodeKey());
      } catch (err) {
        throw new ProvisioningError('verify-failed', `${got.identity.id}: no phase 3 with the trusted server using the key in ${b.keyStore.where} (${err instanceof Error ? err.message : String(err)}); run 'pia-provision burn' again to resume, or check 'pia-trust node list'`, { cause: err });
      }
      return { value: undefined, detail: 'the trusted server verified the stored key' };
    });
    const label = await steps.run('label', async () => {
      const l = await ctx.label(got.identity, serial);
      return { value: l, detail: l.file };
    });
    ctx.journal.finish(board);
    return result({ status: 'provisioned', labelFile: label.file, terminalLabel: label.terminal });
  } catch (err) {
    const error = err instanceof ProvisioningError ? err : new ProvisioningError('board-fault', `${b.keyStore.where}: ${err instanceof Error ? err.message : String(err)}; check the board and run again`, { cause: err });
    return result({ error });
  }
}

async function obtainIdentity(ctx: StationContext, plan: BurnPlan, o: BurnOptions): Promise<{ value: Obtained; outcome?: 'ok' | 'skipped'; detail: string }> {
  if (plan.keep !== undefined) return { value: { identity: plan.keep, created: false }, outcome: 'skipped', detail: `the board holds ${plan.keep.id}` };
  const fresh = (): JournalEntry => ({
    board: plan.board,
    requestId: nodeIdToText(newNodeId({ bytes: ctx.randomBytes })), // the server's idempotency key for this burn
    keySource: o.keySource,
    label: o.label,
    kind: o.kind,
    ...(plan.replaces === undefined ? {} : { replaces: plan.replaces }),
  });
  let entry = plan.journal ?? fresh();
  if (plan.journal === undefined) ctx.journal.put(entry); // before the server hears of the board
  try {
    return await enrollEntry(ctx, entry);
  } catch (err) {
    // An administrator revoked the identity of this unfinished burn (the board never got it): start a new one.
    if (!(err instanceof ProvisioningError && err.reason === P3Reason.Revoked && plan.journal !== undefined)) throw err;
    entry = { ...fresh(), label: entry.label, kind: entry.kind, keySource: entry.keySource, ...(entry.replaces === undefined ? {} : { replaces: entry.replaces }) };
    ctx.journal.put(entry);
    const r = await enrollEntry(ctx, entry);
    return { ...r, detail: `${r.detail}; the unfinished burn's ${plan.journal.id ?? 'identity'} had been revoked` };
  }
}

/** The trusted server generates the ID and key, or registers the ones the station made (kept in the journal first). */
async function enrollEntry(ctx: StationContext, entry: JournalEntry): Promise<{ value: Obtained; detail: string }> {
  const identity = (id: string): BoardIdentity => ({ id, kind: entry.kind, label: entry.label, server: ctx.server });
  if (entry.keySource === 'server') {
    const r = await ctx.enroll({ op: 'generate', requestId: entry.requestId, label: entry.label, kind: entry.kind });
    if (r.key === undefined) throw new ProvisioningError('refused', 'the trusted server answered a "generate" without a key; update pia-trust');
    const id = nodeIdToText(r.id);
    ctx.journal.put({ ...entry, id });
    return { value: { identity: identity(id), key: r.key, created: r.created }, detail: `${id} generated by the trusted server${r.created ? '' : ' (it had it from the unfinished burn)'}` };
  }
  let e = entry;
  if (e.id === undefined || e.key === undefined) {
    const key = ctx.randomBytes(32);
    e = { ...entry, id: nodeIdToText(newNodeId({ bytes: ctx.randomBytes })), key: Buffer.from(key).toString('base64') };
    key.fill(0);
    ctx.journal.put(e); // before the server registers it: a re-run must find the same key
  }
  const id = e.id ?? '';
  const key = new Uint8Array(32);
  key.set(Buffer.from(e.key ?? '', 'base64').subarray(0, 32));
  const r = await ctx.enroll({ op: 'register', id: nodeIdFromText(id), key: Uint8Array.from(key), label: e.label, kind: e.kind });
  return { value: { identity: identity(id), key, created: r.created }, detail: `${id} made by the station, registered${r.created ? '' : ' (already, by the unfinished burn)'}` };
}

async function writeStores(b: Board, plan: BurnPlan, got: Obtained, steps: StepRecorder): Promise<void> {
  const replace = plan.replaces !== undefined;
  for (const { store, state } of plan.states) {
    const holdsIt = state.status === 'provisioned' && state.identity.id === got.identity.id;
    const r = steps.reporter(`write ${store.kind}`);
    if (holdsIt) {
      r.report('identity', 'skipped', `holds ${got.identity.id}`);
      continue;
    }
    const key = store === b.keyStore ? got.key : undefined;
    if (store === b.keyStore && key === undefined) throw new ProvisioningError('board-fault', `${store.where}: no key to write (the plan lost it); run again`);
    try {
      await store.write(got.identity, key, r.report, { replace });
    } catch (err) {
      r.failed(err);
      throw err;
    }
  }
}

async function readBack(b: Board, id: string): Promise<{ value: undefined; detail: string }> {
  for (const store of [b.keyStore, ...b.idStores]) {
    const s = await store.inspect();
    if (s.status !== 'provisioned' || s.identity.id !== id) {
      throw new ProvisioningError('verify-failed', `${store.where} reads back as ${s.status === 'provisioned' ? `holding ${s.identity.id}` : s.status}, not ${id}; run 'pia-provision burn' again to resume`);
    }
  }
  return { value: undefined, detail: `every store reads back ${id}` };
}
