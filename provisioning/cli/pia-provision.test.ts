/**
 * `pia-provision` end to end in one process: a real trusted server
 * (SQLite store, audit log) on an in-memory network, the station's credential from
 * `pia-trust node add --kind station`, and a simulated board (ATECC608 + HAT EEPROM) faithful
 * to the datasheets.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Atecc608, Atecc608Error } from '../../drivers/atecc608/index.js';
import { HatEeprom } from '../../drivers/hat-eeprom/index.js';
import { HatEepromIdentityStore } from '../../identity/index.js';
import { factory, type Factory } from '../test-support/factory.js';
import { BOARD_SPEC, simBoard } from '../test-support/sim-board.js';
import { provision, stationDeps } from '../test-support/station-run.js';

let f: Factory | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const ID = /PROVISIONED ([0-9a-f-]{36})/;

describe('pia-provision burn', () => {
  it('a fresh board: registered, written, locked, verified by phase 3, labelled; each step with its outcome and time', async () => {
    f = await factory('burn-fresh');
    const board = simBoard(f.clock, 'board-1');
    const r = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'rack 4 gateway'], stationDeps(f, board.openI2c()));
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const id = ID.exec(r.stdout)?.[1] ?? '';
    for (const step of ['probe', 'inspect', 'obtain identity', 'write atecc608: write config', 'write atecc608: lock config zone', 'write atecc608: write key', 'write atecc608: write identity record', 'write atecc608: lock data zone', 'write hat-eeprom: write HAT image', 'read back', 'phase 3 with the trusted server', 'label']) {
      expect(r.stdout).toMatch(new RegExp(`^  (ok|done)\\s+${step.replace(/[()]/g, '\\$&')}\\s+\\d+ ms`, 'm'));
    }
    expect(r.stdout).toMatch(new RegExp(`^PROVISIONED ${id} serial [0-9a-f]{18} "rack 4 gateway" in [\\d.]+ s \\(new node\\); label .*${id}\\.png$`, 'm'));
    expect(r.stdout).toMatch(/[▀▄█]{10}/); // the QR code in the terminal
    expect(existsSync(join(f.dir, 'labels', `${id}.png`))).toBe(true);
    expect(board.chip.configLocked && board.chip.dataLocked).toBe(true);
    // the key is in the chip and never comes out
    const chip = new Atecc608(board.buses.get(1)!, { clock: f.clock });
    await expect(f.clock.settle(chip.read(0), 0.5)).rejects.toBeInstanceOf(Atecc608Error);
    expect(board.chip.peekSlot(0).subarray(0, 32).equals(Buffer.alloc(32, 0xff))).toBe(false);
    const hat = await f.clock.settle(new HatEepromIdentityStore(new HatEeprom(board.buses.get(0)!, { clock: f.clock })).inspect(), 0.5);
    expect(hat).toMatchObject({ status: 'provisioned', identity: { id, label: 'rack 4 gateway', kind: 'gateway' } });
    const list = await f.admin(['node', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${id}.*gateway.*active`));
    expect(readdirSync(join(f.dir, 'station-state', 'journal'))).toEqual([]);
  });

  it('with a key made by the station: the key never appears in the output, the journal after, or the label', async () => {
    f = await factory('burn-station-key');
    const board = simBoard(f.clock, 'board-2');
    const key = Buffer.alloc(32, 0x5a).fill(0xa7, 8, 16);
    let draws = 0;
    const randomBytes = (n: number): Uint8Array => (n === 32 && draws++ === 0 ? Uint8Array.from(key) : new Uint8Array(n).fill(0x11 + draws));
    const r = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'dev', '--key-source', 'station', '--json'], stationDeps(f, board.openI2c(), { randomBytes }));
    expect(r.code, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout) as { status: string; id: string; created: boolean };
    expect(record).toMatchObject({ status: 'provisioned', created: true });
    const texts = [r.stdout, r.stderr, readFileSync(join(f.dir, 'labels', `${record.id}.png`)).toString('latin1')];
    for (const t of texts) for (const form of [key.toString('hex'), key.toString('base64'), key.toString('base64url')]) expect(t).not.toContain(form);
    expect(readdirSync(join(f.dir, 'station-state', 'journal'))).toEqual([]); // the key waited there until the board was done
    expect(board.chip.peekSlot(0).subarray(0, 32).equals(key)).toBe(true);
  });

  it('a re-run on a provisioned board changes nothing (exit 3, --force named); verify says it is good', async () => {
    f = await factory('burn-rerun');
    const board = simBoard(f.clock, 'board-3');
    const deps = stationDeps(f, board.openI2c());
    const first = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'a'], deps);
    const id = ID.exec(first.stdout)?.[1] ?? '';
    const again = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'b'], deps);
    expect(again.code).toBe(3);
    expect(again.stdout).toMatch(new RegExp(`FAILED se-[0-9a-f]+ serial [0-9a-f]+ at "inspect".*holds ${id} \\(a\\).*nothing changed.*--force ${id}`));
    const forced = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'b', '--force', id], deps);
    expect(forced.code).toBe(2);
    expect(forced.stdout).toMatch(/data zone is locked: its key can never be replaced; fit a new chip/);
    const verify = await provision(f, ['verify', '--board', BOARD_SPEC], deps);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain(`VERIFIED ${id} "a"`);
    const inspect = await provision(f, ['inspect', '--board', BOARD_SPEC], deps);
    expect(inspect.stdout).toMatch(new RegExp(`ATECC608 at i2c-1 0x60 \\(serial [0-9a-f]+\\): provisioned: ${id}`));
  });

  it('errors that say what to check: wrong chip at 0x60, nothing there', async () => {
    f = await factory('burn-errors');
    const wrong = simBoard(f.clock, 'wrong', { revision: Uint8Array.of(0x00, 0x00, 0x50, 0x02) });
    const r1 = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'x'], stationDeps(f, wrong.openI2c()));
    expect(r1.code).toBe(2);
    expect(r1.stdout).toMatch(/FAILED .* at "probe".*ATECC608 at i2c-1 0x60.*00005002.*not an ATECC608/);
    const r2 = await provision(f, ['burn', '--board', 'atecc608=i2c-1:0x61', '--label', 'x'], stationDeps(f, simBoard(f.clock, 'empty').openI2c()));
    expect(r2.code).toBe(2);
    expect(r2.stdout).toMatch(/at "probe".*0x61.*(seated|powered)/);
    expect(readdirSync(join(f.dir, 'station-state', 'journal'))).toEqual([]); // nothing started
  });

  it('a chip whose config zone another tool locked (its key slot readable): exit 2, fit a new chip', async () => {
    f = await factory('burn-locked');
    const board = simBoard(f.clock, 'locked');
    const chip = new Atecc608(board.buses.get(1)!, { clock: f.clock });
    await f.clock.settle(chip.lockConfig(), 0.5); // as shipped: slot 0 is not secret
    const r = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'x'], stationDeps(f, board.openI2c()));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/FAILED .* at "inspect".*config zone was locked with a configuration PIA cannot use.*slot 0.*fit a new chip/);
    expect(board.chip.dataLocked).toBe(false);
  });
});
