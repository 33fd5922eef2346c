/**
 * Independent master: Debian's mbpoll (libmodbus) against `pia-sim modbus-hvac` spawned as a
 * child process, over a socat pty pair.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ptyPair, run, startPiaSim, stopAll, type PtyPair, type SimProcess } from './test-support/processes.js';

let pair: PtyPair;
let sim: SimProcess;

beforeAll(async () => {
  pair = await ptyPair();
  sim = startPiaSim(['modbus-hvac', '--serial', pair.sim, '--unit', '15', '--baud', '9600', '--parity', 'none']);
  await sim.waitFor(/fault_flags_3/);
});

afterAll(async () => {
  await stopAll();
});

/** mbpoll in RTU mode, 9600 8N1, PDU addressing, one poll. */
function mbpoll(...args: string[]) {
  return run('mbpoll', ['-m', 'rtu', '-b', '9600', '-P', 'none', '-0', '-1', '-o', '0.5', ...args]);
}

describe('mbpoll against pia-sim modbus-hvac', () => {
  it('reads holding registers (mode, fan speed)', async () => {
    const r = await mbpoll('-a', '15', '-t', '4', '-r', '28302', '-c', '2', pair.host);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[28302\]:\s+1\n/);
    expect(r.stdout).toMatch(/\[28303\]:\s+6\n/);
  });

  it('reads input registers (room 24 °C ×10, unit off: fan 0, rpm 0, valve 0)', async () => {
    const r = await mbpoll('-a', '15', '-t', '3', '-r', '46801', '-c', '5', pair.host);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[46801\]:\s+24\d\n/);
    expect(r.stdout).toMatch(/\[46803\]:\s+0\n\[46804\]:\s+0\n\[46805\]:\s+0\n/);
  });

  it('writes one register (function 06) and reads it back', async () => {
    const w = await mbpoll('-a', '15', '-t', '4', '-r', '28302', pair.host, '4');
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/Written 1 references/);
    expect((await mbpoll('-a', '15', '-t', '4', '-r', '28302', pair.host)).stdout).toMatch(/\[28302\]:\s+4\n/);
  });

  it('writes several registers (function 16) and reads them back', async () => {
    const w = await mbpoll('-a', '15', '-t', '4', '-r', '28310', pair.host, '230', '200');
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/Written 2 references/);
    const r = await mbpoll('-a', '15', '-t', '4', '-r', '28310', '-c', '2', pair.host);
    expect(r.stdout).toMatch(/\[28310\]:\s+230\n\[28311\]:\s+200\n/);
  });

  it('an unmapped address gives mbpoll the illegal-data-address exception', async () => {
    const r = await mbpoll('-a', '15', '-t', '4', '-r', '28304', pair.host);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Illegal data address/);
  });

  it('a value outside the allowed ones gives the illegal-data-value exception', async () => {
    const r = await mbpoll('-a', '15', '-t', '4', '-r', '28302', pair.host, '9');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Illegal data value/);
  });

  it('another unit address gets no answer (mbpoll times out)', async () => {
    const r = await mbpoll('-a', '16', '-t', '4', '-r', '28302', pair.host);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/timed out/i);
  });

  it('pia-sim printed one line per request served', () => {
    expect(sim.stdout()).toMatch(/unit 15 fc03 read holding 28302×2 → 1 6\n/);
    expect(sim.stdout()).toMatch(/unit 15 fc16 write 28310=230,200 → ok\n/);
    expect(sim.stdout()).toMatch(/unit 15 fc03 read holding 28304×1 → exception 02 illegal data address\n/);
    expect(sim.stdout()).toMatch(/unit 16 ignored: for unit 16\n/);
  });
});
