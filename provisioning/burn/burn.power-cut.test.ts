/**
 * A power cut at any step of a burn, then a re-run. Every I2C transaction and every
 * station call (journal writes, the trusted server, the phase-3 check, the label) is an event;
 * the cut hits one event, the parts lose their volatile state, and nothing more happens in that
 * run. After the cut a store that reads as provisioned holds an ID the trusted server knows;
 * the re-run ends with the board provisioned, verified, one node at the server for it, and the
 * same ID when the first run had obtained one.
 *
 * Cut points: every station call, the events around every step boundary, and every
 * PIA_POWER_CUT_STRIDE-th event (default 40; 1 = every event, about a minute).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBoard, openStation, type ProvisionDeps } from '../cli/station.js';
import { parseBoardSpec } from '../cli/board-spec.js';
import type { StationArgs } from '../cli/args.js';
import { factory, type Factory } from '../test-support/factory.js';
import { PowerCut, PowerCutError } from '../../identity/test-support/index.js';
import { BOARD_SPEC, simBoard, type SimBoard } from '../test-support/sim-board.js';
import { stationDeps } from '../test-support/station-run.js';
import { burnBoard } from './burn.js';
import type { BurnResult, StationContext } from './types.js';

let f: Factory;
beforeAll(async () => (f = await factory('power-cut')));
afterAll(() => f.close());

const STRIDE = Number(process.env.PIA_POWER_CUT_STRIDE ?? 40);
const spec = parseBoardSpec(BOARD_SPEC);

/** The station's calls, each an event for the cut: the trusted server's answer can be lost after it acted. */
function cutContext(ctx: StationContext, cut: PowerCut): StationContext {
  return {
    ...ctx,
    enroll: async (request) => {
      cut.tick('enroll: request');
      const r = await ctx.enroll(request);
      cut.tick('enroll: answer');
      return r;
    },
    phase3: (id, key) => (cut.tick('phase 3'), ctx.phase3(id, key)),
    label: (identity, serial) => (cut.tick('label'), ctx.label(identity, serial)),
    journal: {
      get: (b) => ctx.journal.get(b),
      put: (e) => (cut.tick(`journal put${e.id === undefined ? '' : ' with id'}`), ctx.journal.put(e)),
      finish: (b) => (cut.tick('journal finish'), ctx.journal.finish(b)),
      removeCommand: (b) => ctx.journal.removeCommand(b),
    },
  };
}

async function burn(board: SimBoard, label: string, cut: PowerCut, onStep?: () => void): Promise<BurnResult> {
  const args: StationArgs = { station: f.stationFile, state: join(f.dir, 'station'), labels: join(f.dir, 'labels'), kind: 'gateway', keySource: 'server', json: true };
  const deps: ProvisionDeps = stationDeps(f, board.openI2c(cut));
  const station = openStation(args, deps);
  const b = await f.clock.settle(openBoard(spec, deps), 1);
  return await f.clock.settle(burnBoard(cutContext(station.context, cut), b, { label, kind: 'gateway', keySource: 'server' }, onStep), 1);
}

/** The IDs the board's stores read as provisioned (no cut). */
async function heldIds(board: SimBoard): Promise<string[]> {
  const deps = stationDeps(f, board.openI2c());
  const b = await f.clock.settle(openBoard(spec, deps), 1);
  const ids: string[] = [];
  for (const s of [b.keyStore, ...b.idStores]) {
    const state = await f.clock.settle(s.inspect(), 1);
    if (state.status === 'provisioned') ids.push(state.identity.id);
  }
  return ids;
}

async function serverNodes(label: string): Promise<string[]> {
  const out = (await f.admin(['node', 'list'])).stdout;
  return out.split('\n').filter((l) => l.includes(`${label} `) || l.endsWith(label)).map((l) => /[0-9a-f-]{36}/.exec(l)?.[0] ?? '');
}

describe('a power cut at any step of a burn, then a re-run', () => {
  it('leaves the board blank, partial (completed by the re-run) or provisioned and registered; never an orphan', async () => {
    // a dry run: how many events a burn has, and where its steps begin
    const dry = new PowerCut(Infinity);
    const boundaries: number[] = [];
    const ok = await burn(simBoard(f.clock, 'dry'), 'dry-run', dry, () => boundaries.push(dry.count));
    expect(ok.status).toBe('provisioned');
    const station = dry.events.flatMap((e, i) => (e.startsWith('i2c-') ? [] : [i + 1]));
    const points = new Set<number>([...station, ...boundaries.flatMap((b) => [b, b + 1, b + 2]), ...Array.from({ length: Math.ceil(dry.count / STRIDE) }, (_, k) => 1 + k * STRIDE)]);
    const cuts = [...points].filter((n) => n >= 1 && n <= dry.count).sort((a, b) => a - b);
    expect(cuts.length).toBeGreaterThan(20);

    for (const n of cuts) {
      const label = `cut-${n}`;
      const board = simBoard(f.clock, label);
      const cut = new PowerCut(n, () => board.powerCycle());
      const first = await burn(board, label, cut);
      expect(first.status, `cut at ${n} (${dry.events[n - 1] ?? ''})`).toBe('failed');
      expect(cut.tripped, `cut at ${n}`).toBe(true);
      // a cut inside a chip HMAC during phase 3 surfaces as the exchange failing; elsewhere as the cut itself
      if (!(first.error?.cause instanceof PowerCutError)) expect(first.error?.kind, `cut at ${n}`).toBe('verify-failed');
      const held = await heldIds(board);
      const known = await serverNodes(label);
      for (const id of held) expect(known, `cut at ${n}: the board holds ${id}`).toContain(id);

      const second = await burn(board, label, new PowerCut(Infinity));
      expect(second.status, `re-run after the cut at ${n}: ${second.error?.message ?? ''}`).toBe('provisioned');
      if (first.id !== undefined) expect(second.id, `cut at ${n}`).toBe(first.id);
      expect(await heldIds(board)).toEqual([second.id, second.id]);
      expect(await serverNodes(label), `cut at ${n}: one node at the server for the board`).toEqual([second.id]);
    }
  }, 240_000);
});
