/** `pia-sim` as a process: signals, exit codes, and the VC0706 over a real pty. */
import { decode } from 'jpeg-js';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { openHostPort, type HostPort } from './test-support/host-port.js';
import { ptyPair, startPiaSim, stopAll } from './test-support/processes.js';

const hosts: HostPort[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  await stopAll();
});

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('pia-sim process', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`exits 0 with the port closed on ${signal}`, async () => {
      const pair = await ptyPair();
      const sim = startPiaSim(['modbus-hvac', '--serial', pair.sim]);
      await sim.waitFor(/fault_flags_3/);
      sim.child.kill(signal);
      expect(await sim.exited).toBe(0);
      expect(sim.stdout()).toMatch(/pia-sim: stopped, .*sim closed\n$/);
    });
  }

  it('bad arguments: exit 2 naming the argument', async () => {
    const sim = startPiaSim(['modbus-hvac', '--serial', '/tmp/x', '--parity', 'mark']);
    expect(await sim.exited).toBe(2);
    expect(sim.stderr()).toMatch(/--parity mark: must be none, even or odd/);
  });

  it('a missing serial path: exit 1', async () => {
    const sim = startPiaSim(['vc0706', '--serial', '/tmp/no-such-pty-here']);
    expect(await sim.exited).toBe(1);
    expect(sim.stderr()).toMatch(/serial port \/tmp\/no-such-pty-here does not exist/);
  });

  it('vc0706: reset, version, switch to 115200, a full capture that decodes to 160×120', async () => {
    const pair = await ptyPair();
    const sim = startPiaSim(['vc0706', '--serial', pair.sim, '--image-size', '160x120']);
    await sim.waitFor(/commands:/);
    const host = await openHostPort(pair.host, 38400);
    hosts.push(host);
    onTestFailed(() => console.log(`pia-sim output:\n${sim.stdout()}${sim.stderr()}`));
    await host.write(hex('56 00 26 00'));
    expect(await host.read(5)).toEqual(hex('76 00 26 00 00'));
    await host.readUntil('Init end\r\n');
    await host.write(hex('56 00 11 00'));
    expect(await host.read(16)).toEqual(Buffer.concat([hex('76 00 11 00 0B'), Buffer.from('VC0703 1.00')]));
    await host.write(hex('56 00 24 03 01 0D A6'));
    expect(await host.read(5)).toEqual(hex('76 00 24 00 00'));
    await sim.waitFor(/UART now 115200 baud/);
    await host.setBaud(115200);
    await host.write(hex('56 00 36 01 00'));
    expect(await host.read(5)).toEqual(hex('76 00 36 00 00'));
    await host.write(hex('56 00 34 01 00'));
    const lenReply = await host.read(9);
    expect(lenReply.subarray(0, 5)).toEqual(hex('76 00 34 00 04'));
    const length = lenReply.readUInt32BE(5);
    const parts: Buffer[] = [];
    for (let addr = 0; addr < length; addr += 1024) {
      const cmd = Buffer.alloc(16);
      hex('56 00 32 0C 00 0A').copy(cmd);
      cmd.writeUInt32BE(addr, 6);
      cmd.writeUInt32BE(1024, 10);
      cmd.writeUInt16BE(0x000a, 14);
      await host.write(cmd);
      const r = await host.read(1024 + 10);
      expect(r.subarray(0, 5)).toEqual(hex('76 00 32 00 00'));
      expect(r.subarray(-5)).toEqual(hex('76 00 32 00 00'));
      parts.push(r.subarray(5, -5));
    }
    await host.write(hex('56 00 36 01 03'));
    expect(await host.read(5)).toEqual(hex('76 00 36 00 00'));
    const jpeg = Buffer.concat(parts).subarray(0, length);
    expect(jpeg.subarray(0, 2)).toEqual(hex('FF D8'));
    expect(jpeg.subarray(-2)).toEqual(hex('FF D9'));
    expect(decode(jpeg, { useTArray: true })).toMatchObject({ width: 160, height: 120 });
    expect(sim.stdout()).toMatch(/take picture → 160×120 JPEG/);
  });
});
