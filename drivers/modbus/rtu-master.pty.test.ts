/**
 * RtuMaster against an independent Modbus server: modbus-serial's ServerSerial on one end of
 * a socat pty pair, our SerialPortLine + RtuMaster on the other. Real time, real ptys.
 */
import { ServerSerial } from 'modbus-serial';
import { afterEach, describe, it, expect } from 'vitest';
import { systemClock } from '../../common/index.js';
import { SerialPortLine, type SerialSettings } from '../serial/index.js';
import { startPtyPair, type PtyPair } from '../serial/test-support/index.js';
import { ModbusExceptionError, ModbusTimeoutError } from './errors.js';
import { RtuMaster } from './rtu-master.js';

const UNIT = 15;

interface Rig {
  master: RtuMaster;
  holding: Map<number, number>;
  writes: Array<[number, number]>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An illegal-address error the way modbus-serial's server expects it (servertcp_handler.js). */
function illegalAddress(addr: number): Error {
  return Object.assign(new Error(`no register ${addr}`), { modbusErrorCode: 2 });
}

async function rig(settings: SerialSettings): Promise<Rig> {
  const pair: PtyPair = await startPtyPair();
  cleanups.push(() => pair.stop());

  const holding = new Map<number, number>([[28301, 1], [28302, 4], [28303, 6], [28310, 235], [28311, 200]]);
  const input = new Map<number, number>([[46801, 218], [46802, 0xffce], [46804, 1450]]);
  const writes: Array<[number, number]> = [];
  const server = new ServerSerial(
    {
      getHoldingRegister: (addr: number) => {
        const v = holding.get(addr);
        if (v === undefined) throw illegalAddress(addr);
        return v;
      },
      getInputRegister: (addr: number) => {
        const v = input.get(addr);
        if (v === undefined) throw illegalAddress(addr);
        return v;
      },
      setRegister: (addr: number, value: number) => {
        if (!holding.has(addr)) throw illegalAddress(addr);
        holding.set(addr, value);
        writes.push([addr, value]);
      },
    },
    { path: pair.b, baudRate: settings.baudRate, parity: settings.parity ?? 'none', unitID: UNIT },
  );
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`ServerSerial did not open ${pair.b}`)), 3000);
    server.on('initialized', () => {
      clearTimeout(t);
      resolve();
    });
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const line = new SerialPortLine(pair.a, settings);
  await line.open();
  cleanups.push(() => line.close());
  const master = new RtuMaster(line, { clock: systemClock(), timeoutMs: 300, retries: 1 });
  cleanups.push(() => Promise.resolve(master.dispose()));
  return { master, holding, writes };
}

for (const settings of [{ baudRate: 9600, parity: 'even' }, { baudRate: 115200, parity: 'none', stopBits: 2 }] as const) {
  describe(`RtuMaster ↔ modbus-serial ServerSerial at ${settings.baudRate}`, () => {
    it('reads holding (03) and input (04) registers', async () => {
      const { master } = await rig(settings);
      expect(await master.readHoldingRegisters(UNIT, 28301, 3)).toEqual([1, 4, 6]);
      expect(await master.readInputRegisters(UNIT, 46801, 2)).toEqual([218, 0xffce]);
      expect(master.stats()).toMatchObject({ requests: 2, timeouts: 0, crcErrors: 0, frameErrors: 0 });
    });

    it('writes single (06) and multiple (16) registers, then reads them back', async () => {
      const { master, writes } = await rig(settings);
      await master.writeSingleRegister(UNIT, 28302, 1);
      await master.writeMultipleRegisters(UNIT, 28310, [240, 190]);
      expect(writes).toEqual([[28302, 1], [28310, 240], [28311, 190]]);
      expect(await master.readHoldingRegisters(UNIT, 28310, 2)).toEqual([240, 190]);
    });

    it('surfaces the server exception 02 for an unknown register, without retrying', async () => {
      const { master } = await rig(settings);
      const err = await master.readHoldingRegisters(UNIT, 40000, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModbusExceptionError);
      expect(err).toMatchObject({ code: 2, unit: UNIT, functionCode: 3 });
      await expect(master.writeSingleRegister(UNIT, 40000, 1)).rejects.toThrow(/exception 2 \(illegal data address\)/);
      expect(master.stats()).toMatchObject({ exceptions: 2, retries: 0 });
    });

    it('times out on a unit nobody answers to, then still talks to the right one', async () => {
      const { master } = await rig(settings);
      await expect(master.readHoldingRegisters(UNIT + 1, 28301, 1)).rejects.toBeInstanceOf(ModbusTimeoutError);
      expect(await master.readHoldingRegisters(UNIT, 28301, 1)).toEqual([1]);
    });
  });
}
