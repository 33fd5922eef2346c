/**
 * `pia-provision` when the station or the trusted server is the problem, batches, file-store
 * boards and bad arguments, on the same factory floor as
 * pia-provision.test.ts.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadIdentity } from '../../pia/credential/index.js';
import { nodeIdToText } from '../../pia/phase3/index.js';
import { burnBoard } from '../burn/burn.js';
import { factory, type Factory } from '../test-support/factory.js';
import { parseBoardSpec } from './board-spec.js';
import { openBoard, openStation } from './station.js';
import { BOARD_SPEC, simBoard, trayI2c } from '../test-support/sim-board.js';
import { provision, stationDeps } from '../test-support/station-run.js';

let f: Factory | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const ID = /PROVISIONED ([0-9a-f-]{36})/;

describe('pia-provision: station and server problems', () => {
  it('a revoked station: exit 4, the board untouched', async () => {
    f = await factory('station-revoked');
    expect((await f.admin(['node', 'revoke', nodeIdToText(f.station.identity.id)])).code).toBe(0);
    const board = simBoard(f.clock, 'b');
    const r = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'x'], stationDeps(f, board.openI2c()));
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/FAILED .* at "obtain identity".*refused station .* revoked.*pia-trust node list/);
    expect(board.chip.configLocked).toBe(false);
  });

  it('the trusted server down: exit 5 and nothing written; with the server back, the same command completes the board', async () => {
    f = await factory('server-down');
    const board = simBoard(f.clock, 'b');
    const deps = stationDeps(f, board.openI2c());
    await f.stopServer();
    const down = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'late'], deps);
    expect(down.code).toBe(5);
    expect(down.stdout).toMatch(/at "obtain identity".*trusted server \[2001:db8:f::1\]:4500 unreachable.*pia-trust serve/);
    expect(board.chip.configLocked).toBe(false);
    await f.startServer();
    const up = await provision(f, ['burn', '--board', BOARD_SPEC, '--label', 'late'], deps);
    expect(up.code, up.stdout).toBe(0);
    expect(up.stdout).toMatch(/PROVISIONED .* "late" .*\(new node\)/);
  });
});

describe('pia-provision: one station, many boards', () => {
  it('a trusted server restarted between two boards of one run: the second board still enrolls (a fresh key exchange per board)', async () => {
    f = await factory('restart-between');
    const fx = f;
    const boards = [0, 1].map((i) => simBoard(fx.clock, `r-${i}`, {}, { chipBus: 20 + 2 * i, eepromBus: 21 + 2 * i }));
    const deps = stationDeps(fx, trayI2c(fx.clock, boards));
    const station = openStation({ station: fx.stationFile, state: join(fx.dir, 'state'), labels: join(fx.dir, 'labels'), kind: 'gateway', keySource: 'server', json: true }, deps);
    const burn = async (i: number): Promise<string> => {
      const board = await fx.clock.settle(openBoard(parseBoardSpec(`atecc608=i2c-${20 + 2 * i}:0x60+eeprom=i2c-${21 + 2 * i}:0x50`), deps), 1);
      const r = await fx.clock.settle(burnBoard(station.context, board, { label: `board ${i}`, kind: 'gateway', keySource: 'server' }), 1);
      return r.error?.message ?? r.status;
    };
    expect(await burn(0)).toBe('provisioned');
    await fx.stopServer();
    await fx.startServer();
    expect(await burn(1)).toBe('provisioned');
  });

  it('two boards burnt one after the other at the same file path get two different identities', async () => {
    f = await factory('same-path');
    mkdirSync(join(f.dir, 'mnt'));
    const file = join(f.dir, 'mnt', 'identity.json');
    const deps = stationDeps(f, simBoard(f.clock, 'unused').openI2c());
    const a = await provision(f, ['burn', '--board', `file=${file}`, '--label', 'board A'], deps);
    expect(a.code, a.stdout).toBe(0);
    rmSync(file); // board A leaves the station; board B is mounted at the same path
    const b = await provision(f, ['burn', '--board', `file=${file}`, '--label', 'board B'], deps);
    expect(b.code, b.stdout).toBe(0);
    expect(b.stdout).toContain('(new node)');
    expect(ID.exec(b.stdout)?.[1]).not.toBe(ID.exec(a.stdout)?.[1]);
    expect(loadIdentity(file).label).toBe('board B');
  });
});

describe('pia-provision batch', () => {
  it('a tray from CSV: each board on its own socket, one wrong chip; exit 7 and a CSV report with every board', async () => {
    f = await factory('batch');
    const boards = [0, 1, 2].map((i) => simBoard(f!.clock, `tray-${i}`, i === 1 ? { revision: Uint8Array.of(0, 0, 0x50, 0x02) } : {}, { chipBus: 10 + 2 * i, eepromBus: 11 + 2 * i }));
    const tray = join(f.dir, 'tray.csv');
    const rows = boards.map((_, i) => `${['A1', 'A2', 'A3'][i]},atecc608=i2c-${10 + 2 * i}:0x60+eeprom=i2c-${11 + 2 * i}:0x50,"rack ${i + 1}, row B"`);
    writeFileSync(tray, ['slot,board,label', ...rows].join('\n'));
    const report = join(f.dir, 'report.csv');
    const r = await provision(f, ['batch', '--boards', tray, '--report', report], stationDeps(f, trayI2c(f.clock, boards)));
    expect(r.code).toBe(7);
    expect(r.stdout).toContain('batch: 2 of 3 boards provisioned, 1 failed');
    const lines = readFileSync(report, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('slot,board,where,serial,status,id,label,created,seconds,failedStep,error,errorKind,labelFile');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^A1,se-[0-9a-f]+,ATECC608 at i2c-10 0x60,[0-9a-f]{18},provisioned,[0-9a-f-]{36},"rack 1, row B",true,/);
    expect(lines[2]).toMatch(/^A2,.*,failed,,"rack 2, row B",false,[\d.]+,probe,.*not an ATECC608.*,wrong-part,$/);
    expect(lines[3]).toMatch(/^A3,.*,provisioned,/);
  });

  it('refuses a bad tray file before touching any board, naming the row', async () => {
    f = await factory('batch-bad');
    const tray = join(f.dir, 'tray.json');
    writeFileSync(tray, JSON.stringify([{ slot: 'A1', board: BOARD_SPEC, label: 'ok' }, { slot: 'A2', board: 'atecc608=i2c-1', label: 'x' }]));
    const board = simBoard(f.clock, 'b');
    const r = await provision(f, ['batch', '--boards', tray], stationDeps(f, board.openI2c()));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/batch file .*tray\.json, row 2: .*"i2c-1" is not i2c-BUS:0xADDR/);
    expect(board.chip.configLocked).toBe(false);
  });
});

describe('pia-provision with a file store (a board without a secure element)', () => {
  it('writes a 0600 credential file the gateway can load; --force with the held ID gives the board a new identity', async () => {
    f = await factory('file-board');
    const file = join(f.dir, 'board', 'identity.json');
    mkdirSync(join(f.dir, 'board'));
    const deps = stationDeps(f, simBoard(f.clock, 'unused').openI2c());
    const r = await provision(f, ['burn', '--board', `file=${file}`, '--label', 'dev board'], deps);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const id = ID.exec(r.stdout)?.[1] ?? '';
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const loaded = loadIdentity(file);
    expect(nodeIdToText(loaded.identity.id)).toBe(id);
    expect(loaded.kind).toBe('gateway');
    const refused = await provision(f, ['burn', '--board', `file=${file}`, '--label', 'dev board 2'], deps);
    expect(refused.code).toBe(3);
    const wrongForce = await provision(f, ['burn', '--board', `file=${file}`, '--label', 'dev board 2', '--force', '00000000-0000-4000-8000-000000000000'], deps);
    expect(wrongForce.code).toBe(1);
    expect(wrongForce.stdout).toMatch(new RegExp(`holds ${id}, not 00000000-0000-4000-8000-000000000000; --force must name the ID the board holds now`));
    const forced = await provision(f, ['burn', '--board', `file=${file}`, '--label', 'dev board 2', '--force', id], deps);
    expect(forced.code, forced.stdout).toBe(0);
    const newId = ID.exec(forced.stdout)?.[1];
    expect(newId).not.toBe(id);
    expect(nodeIdToText(loadIdentity(file).identity.id)).toBe(newId);
  });
});

describe('pia-provision arguments', () => {
  it('bad arguments exit 1 with what to write; help lists the exit codes', async () => {
    f = await factory('args');
    const deps = stationDeps(f, simBoard(f.clock, 'b').openI2c());
    const cases: [string[], RegExp][] = [
      [['burn', '--board', 'atecc608=i2c-1:0x60+file=/x', '--label', 'x'], /name exactly one key store/],
      [['burn', '--board', BOARD_SPEC, '--label', 'a\tb'], /--label "a\tb": 1–64 UTF-8 bytes without control characters/],
      [['burn', '--board', BOARD_SPEC], /burn needs --label TEXT/],
      [['burn', '--board', BOARD_SPEC, '--label', 'x', '--kind', 'station'], /--kind "station": a station provisions a gateway or an operator/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['verify', '--board', BOARD_SPEC, '--label', 'x'], /--label does not apply to "verify"/],
    ];
    for (const [args, message] of cases) {
      const r = await provision(f, args, deps);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    const help = await provision(f, ['help'], deps);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 provisioned.*3 already provisioned/s);
  });
});
