/** The burn plan's decision table (plan.ts), on stores and a journal that only report what they hold. */
import { describe, expect, it } from 'vitest';
import type { ProvisioningError } from '../../identity/index.js';
import type { BoardIdentity, IdentityStore, StoreState } from '../../identity/index.js';
import type { JournalEntry } from './journal.js';
import { planBurn, type BurnPlan } from './plan.js';
import type { BurnOptions, StationContext } from './types.js';

const SERVER = { address: '2001:db8::10', port: 4500, id: '11111111-2222-4333-8444-555555555555' };
const X = '7a2a3c14-9d7e-4a1b-8c3d-0123456789ab';
const Y = '0f0e0d0c-0b0a-4908-8706-050403020100';
const identity = (id: string): BoardIdentity => ({ id, kind: 'gateway', label: `board ${id.slice(0, 4)}`, server: SERVER });
const held = (id: string): StoreState => ({ status: 'provisioned', identity: identity(id) });
const BLANK: StoreState = { status: 'blank' };

function store(kind: IdentityStore['kind'], state: StoreState, refusal?: string): IdentityStore {
  return {
    kind,
    where: `${kind} under test`,
    holdsKey: kind !== 'hat-eeprom',
    probe: () => Promise.resolve({ detail: '' }),
    inspect: () => Promise.resolve(state),
    replaceRefusal: () => Promise.resolve(refusal),
    write: () => Promise.reject(new Error('the plan never writes')),
    nodeKey: () => {
      throw new Error('the plan never uses the key');
    },
  };
}

function context(entry?: JournalEntry): StationContext {
  const never = (): never => {
    throw new Error('the plan never calls this');
  };
  return {
    clock: { now: () => 0 } as unknown as StationContext['clock'],
    enroll: never,
    phase3: never,
    server: SERVER,
    journal: { get: () => entry, put: never, finish: never, removeCommand: () => 'rm the-entry' },
    randomBytes: never,
    label: never,
  };
}

const OPTIONS: BurnOptions = { label: 'new board', kind: 'gateway', keySource: 'server' };

function plan(key: StoreState, hat: StoreState, o: Partial<BurnOptions> = {}, entry?: JournalEntry, refusal?: string): Promise<BurnPlan> {
  return planBurn(context(entry), { keyStore: store('atecc608', key, refusal), idStores: [store('hat-eeprom', hat)] }, 'se-01', { ...OPTIONS, ...o });
}

async function refused(p: Promise<unknown>): Promise<ProvisioningError> {
  return (await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  )) as ProvisioningError;
}

const entry = (extra: Partial<JournalEntry> = {}): JournalEntry => ({ board: 'se-01', requestId: '3f0e0d0c-0b0a-4908-8706-050403020100', keySource: 'server', label: 'first label', kind: 'gateway', ...extra });

describe('planBurn', () => {
  it('a blank board gets a new identity; --force on it is a usage error', async () => {
    expect(await plan(BLANK, BLANK)).toMatchObject({ mode: 'new' });
    expect(await refused(plan(BLANK, BLANK, { force: X }))).toMatchObject({ kind: 'usage', message: expect.stringMatching(/holds no identity \(.*\); run without --force/) as string });
  });

  it('a provisioned board is refused, naming the ID and the --force to use; a blank HAT is completed', async () => {
    expect(await refused(plan(held(X), held(X)))).toMatchObject({ kind: 'already-provisioned', message: expect.stringContaining(`--force ${X}`) as string });
    expect(await plan(held(X), BLANK)).toMatchObject({ mode: 'complete', keep: { id: X } });
    expect(await plan(held(X), { status: 'partial', detail: 'torn', id: X })).toMatchObject({ mode: 'complete' });
  });

  it('--force X on a locked chip is refused with the store\'s reason; on a rewritable store it replaces X', async () => {
    expect(await refused(plan(held(X), held(X), { force: X }, undefined, 'fit a new chip'))).toMatchObject({ kind: 'part-locked', message: `--force ${X}: fit a new chip` });
    expect(await plan(held(X), held(X), { force: X })).toMatchObject({ mode: 'new', replaces: X });
    expect(await refused(plan(held(X), held(X), { force: Y }))).toMatchObject({ kind: 'usage' });
  });

  it('another board\'s HAT (Y) on a provisioned chip (X): refused with both IDs; --force Y writes X over it', async () => {
    const e = await refused(plan(held(X), held(Y)));
    expect(e.message).toMatch(new RegExp(`holds ${X}, but hat-eeprom under test holds another ID, ${Y}.*--force ${Y}`));
    expect(await plan(held(X), held(Y), { force: Y })).toMatchObject({ mode: 'complete', keep: { id: X }, replaces: Y });
  });

  it('a blank chip with another tool\'s HAT image naming Y is refused before anything is written; --force Y replaces it', async () => {
    const other: StoreState = { status: 'partial', detail: 'a HAT image without a PIA atom', id: Y };
    expect(await refused(plan(BLANK, other))).toMatchObject({ kind: 'already-provisioned', message: expect.stringContaining(`--force ${Y}`) as string });
    expect(await plan(BLANK, other, { force: Y })).toMatchObject({ mode: 'new', replaces: Y });
  });

  it('the journal resumes the same burn, also a cut --force whose store still holds the replaced ID; its label and kind win', async () => {
    expect(await plan({ status: 'partial', detail: 'config locked' }, BLANK, {}, entry({ id: X }))).toMatchObject({ mode: 'resume', journal: { id: X } });
    expect(await plan(held(X), BLANK, {}, entry({ id: X }))).toMatchObject({ mode: 'resume', keep: { id: X } });
    const forced = await plan(held(Y), held(Y), { force: Y }, entry({ replaces: Y }));
    expect(forced).toMatchObject({ mode: 'resume', replaces: Y });
    expect(forced.keep).toBeUndefined();
    expect(forced.summary).toMatch(/label "first label" and kind gateway kept; this run's options ignored/);
  });

  it('a journal entry for X while the chip now holds Z: refused, with the command that removes the stale entry', async () => {
    const e = await refused(plan(held(Y), BLANK, {}, entry({ id: X })));
    expect(e).toMatchObject({ kind: 'already-provisioned' });
    expect(e.message).toMatch(new RegExp(`holds ${Y}, but this station's unfinished burn of the board was for ${X}.*rm the-entry.*--force ${Y}`));
  });
});
