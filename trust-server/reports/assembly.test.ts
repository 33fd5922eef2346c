/** docs/protocol.md §9.9: parts → reports per gateway: order, stale seq, the 30 s window, conflicts, the rate hook. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { ASSEMBLY_WINDOW_MS, ReportAssembler } from './assembly.js';
import type { ReportPart } from './wire.js';

const dev = (name: string): { name: string; kind: string; status: 'ok' } => ({ name, kind: 'fan', status: 'ok' });
const p = (seq: number, part: number, parts: number, names: string[], firmware = '0.1.0'): ReportPart => ({ seq, firmware, part, parts, devices: names.map(dev) });
const yes = (): boolean => true;

describe('report assembly (§9.9)', () => {
  it('parts out of order: complete once all arrived, devices in part order', () => {
    const a = new ReportAssembler(new ManualClock(0));
    expect(a.add('gw', p(5, 2, 3, ['e']), yes)).toEqual({ kind: 'partial', missing: 2 });
    expect(a.add('gw', p(5, 0, 3, ['a', 'b']), yes)).toEqual({ kind: 'partial', missing: 1 });
    expect(a.add('gw', p(5, 0, 3, ['a', 'b']), yes)).toEqual({ kind: 'duplicate' });
    expect(a.add('gw', p(5, 1, 3, ['c', 'd']), yes)).toEqual({ kind: 'complete', seq: 5, firmware: '0.1.0', devices: ['a', 'b', 'c', 'd', 'e'].map(dev) });
  });

  it('a stale seq is dropped: at or below the last complete report, or below the one being assembled', () => {
    const a = new ReportAssembler(new ManualClock(0));
    expect(a.add('gw', p(10, 0, 1, ['a']), yes)).toMatchObject({ kind: 'complete', seq: 10 });
    expect(a.add('gw', p(10, 0, 1, ['a']), yes)).toEqual({ kind: 'stale', newest: 10 });
    expect(a.add('gw', p(9, 0, 1, ['a']), yes)).toEqual({ kind: 'stale', newest: 10 });
    expect(a.add('gw', p(12, 0, 2, ['a']), yes)).toMatchObject({ kind: 'partial' });
    expect(a.add('gw', p(11, 1, 2, ['b']), yes)).toEqual({ kind: 'stale', newest: 12 });
    // a newer seq replaces the unfinished one: its parts no longer count
    expect(a.add('gw', p(13, 1, 2, ['b']), yes)).toMatchObject({ kind: 'partial', missing: 1 });
    expect(a.add('gw', p(12, 1, 2, ['b']), yes)).toMatchObject({ kind: 'stale' });
    expect(a.add('gw', p(13, 0, 2, ['a']), yes)).toMatchObject({ kind: 'complete', seq: 13 });
  });

  it('parts must arrive within 30 s of the first: later, the assembly starts again', async () => {
    const clock = new ManualClock(0);
    const a = new ReportAssembler(clock);
    expect(a.add('gw', p(1, 0, 2, ['a']), yes)).toMatchObject({ kind: 'partial' });
    await clock.advance(ASSEMBLY_WINDOW_MS + 1);
    expect(a.add('gw', p(1, 1, 2, ['b']), yes)).toMatchObject({ kind: 'partial', missing: 1 });
    await clock.advance(ASSEMBLY_WINDOW_MS - 1);
    expect(a.add('gw', p(1, 0, 2, ['a']), yes)).toMatchObject({ kind: 'complete', devices: [dev('a'), dev('b')] });
  });

  it('gateways are apart; conflicting parts counts, firmware or a device in two parts are named', () => {
    const a = new ReportAssembler(new ManualClock(0));
    expect(a.add('gw1', p(1, 0, 2, ['a']), yes)).toMatchObject({ kind: 'partial' });
    expect(a.add('gw2', p(1, 0, 1, ['a']), yes)).toMatchObject({ kind: 'complete' });
    expect(a.add('gw1', p(1, 1, 3, ['b']), yes)).toMatchObject({ kind: 'conflict', field: 'parts' });
    expect(a.add('gw1', p(1, 1, 2, ['b'], '0.2.0'), yes)).toMatchObject({ kind: 'conflict', field: 'fw' });
    expect(a.add('gw1', p(1, 1, 2, ['a']), yes)).toMatchObject({ kind: 'conflict', field: 'devices', problem: expect.stringMatching(/"a" is in two parts/) });
    expect(a.add('gw1', p(1, 1, 2, ['b']), yes)).toMatchObject({ kind: 'complete' });
  });

  it('more than 256 devices across the parts is a conflict', () => {
    const a = new ReportAssembler(new ManualClock(0));
    const names = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => `d${from + i}`);
    expect(a.add('gw', p(1, 0, 2, names(0, 200)), yes)).toMatchObject({ kind: 'partial' });
    expect(a.add('gw', p(1, 1, 2, names(200, 57)), yes)).toMatchObject({ kind: 'conflict', field: 'devices', problem: expect.stringMatching(/more than 256/) });
  });

  it('startReport is asked once per new report; refused → nothing held', () => {
    const a = new ReportAssembler(new ManualClock(0));
    let asked = 0;
    const no = (): boolean => (asked++, false);
    expect(a.add('gw', p(1, 0, 2, ['a']), no)).toEqual({ kind: 'refused' });
    expect(a.size).toBe(0);
    let allowed = 0;
    const count = (): boolean => (allowed++, true);
    a.add('gw', p(2, 0, 2, ['a']), count);
    a.add('gw', p(2, 1, 2, ['b']), count);
    expect([asked, allowed]).toEqual([1, 1]);
  });
});
