import { afterEach, describe, expect, it } from 'vitest';
import { withCrc } from '../../drivers/modbus/index.js';
import { openHostPort, type HostPort } from './test-support/host-port.js';
import { ptyPair, stopAll } from './test-support/processes.js';
import { runSim } from './run-sim.js';

function io(signal = new AbortController().signal) {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, signal },
    out: () => out,
    err: () => err,
  };
}

const hosts: HostPort[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  await stopAll();
});

describe('runSim', () => {
  it('--help prints the usage, exit 0', async () => {
    const t = io();
    expect(await runSim(['--help'], t.io)).toBe(0);
    expect(t.out()).toMatch(/pia-sim modbus-hvac --serial PATH/);
    expect(t.out()).toMatch(/pia-sim vc0706 --serial PATH/);
  });

  it('bad arguments: one clear line on stderr, exit 2', async () => {
    const t = io();
    expect(await runSim(['modbus-hvac', '--serial', '/x', '--unit', '999'], t.io)).toBe(2);
    expect(t.err()).toBe('pia-sim: --unit 999: must be a whole number 1–247 (a Modbus unit address, e.g. --unit 15)\n');
    expect(t.out()).toBe('');
  });

  it('a missing serial path: says how to make one, exit 1', async () => {
    const t = io();
    expect(await runSim(['vc0706', '--serial', '/dev/pts/99999'], t.io)).toBe(1);
    expect(t.err()).toMatch(/serial port \/dev\/pts\/99999 does not exist; make a pty pair with 'socat/);
  });

  it('serves on a pty, logs one line per request, stops and closes the port on abort', async () => {
    const pair = await ptyPair();
    const stop = new AbortController();
    const t = io(stop.signal);
    const running = runSim(['modbus-hvac', '--serial', pair.sim, '--unit', '7'], t.io);
    for (let i = 0; i < 200 && !t.out().includes('registers'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.out()).toMatch(/serving modbus-hvac \(Chiltrix CXI fan coil\) on .*sim/);
    expect(t.out()).toMatch(/line 9600 8N1, unit 7/);
    expect(t.out()).toMatch(/holding 28302 mode 0=auto 1=cool 2=dry 3=fan 4=heat/);
    const host = await openHostPort(pair.host, 9600);
    hosts.push(host);
    await host.write(withCrc(Buffer.from('07036e8e0002', 'hex')));
    expect((await host.read(9)).subarray(0, 3)).toEqual(Buffer.from('070304', 'hex'));
    await host.write(Buffer.from([0x07, 0x03, 0x6e, 0x8e, 0x00, 0x02, 0x00, 0x00]));
    for (let i = 0; i < 200 && !t.out().includes('bad CRC'); i++) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    expect(await running).toBe(0);
    expect(t.out()).toMatch(/unit 7 fc03 read holding 28302×2 → 1 6\n/);
    expect(t.out()).toMatch(/8 bytes ignored: bad CRC\n/);
    expect(t.out()).toMatch(/stopped, .*sim closed\n$/);
  });
});
