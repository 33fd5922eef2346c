import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { characterTimeMs } from '../../drivers/serial/index.js';
import { Vc0706Camera } from '../camera/index.js';
import { openHostPort, type HostPort } from '../cli/test-support/host-port.js';
import { ptyPair, stopAll } from '../cli/test-support/processes.js';
import { FaultInjector } from '../faults.js';
import type { SerialDevice } from '../types.js';
import { systemClock } from '../../common/index.js';
import { PtyAttachment } from './pty-attach.js';

/** Answers every chunk it receives with `reply`; records what it got and whether it was closed. */
class Responder implements SerialDevice {
  readonly part = 'responder';
  readonly faults = new FaultInjector();
  readonly got: Buffer[] = [];
  closed = false;
  private transmit: ((b: Buffer) => void) | undefined;
  constructor(private readonly reply: Buffer) {}
  attach(t: (b: Buffer) => void): void {
    this.transmit = t;
  }
  receive(b: Buffer): void {
    this.got.push(b);
    this.transmit?.(this.reply);
  }
  close(): void {
    this.closed = true;
  }
}

const attachments: PtyAttachment[] = [];
const hosts: HostPort[] = [];

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  for (const a of attachments.splice(0)) await a.close();
  await stopAll();
});

async function setup(device: SerialDevice, baudRate: number, maxChunkBytes?: number) {
  const pair = await ptyPair();
  const errors: Error[] = [];
  const attachment = await PtyAttachment.open(device, {
    path: pair.sim,
    settings: { baudRate },
    ...(maxChunkBytes === undefined ? {} : { maxChunkBytes }),
    onError: (e) => errors.push(e),
  });
  attachments.push(attachment);
  const host = await openHostPort(pair.host, baudRate);
  hosts.push(host);
  return { pair, attachment, host, errors };
}

describe('PtyAttachment', () => {
  it('delivers host bytes to the part and its reply to the host', async () => {
    const device = new Responder(Buffer.from('pong'));
    const { host } = await setup(device, 9600);
    await host.write(Buffer.from('ping'));
    expect((await host.read(4)).toString()).toBe('pong');
    expect(Buffer.concat(device.got).toString()).toBe('ping');
  });

  it('paces a reply at the baud rate: 96 bytes at 9600 8N1 take at least their 100 ms wire time', async () => {
    const reply = Buffer.alloc(96, 0x55);
    const { host } = await setup(new Responder(reply), 9600);
    const clock = systemClock();
    const sent = clock.now();
    await host.write(Buffer.from([1]));
    await host.read(96);
    // A lower bound only: the simulator must never be faster than the wire.
    expect(clock.now() - sent).toBeGreaterThanOrEqual(96 * characterTimeMs({ baudRate: 9600 }));
  });

  it('cuts long transmissions into pieces and keeps their order', async () => {
    const reply = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const { host } = await setup(new Responder(reply), 115200, 64);
    await host.write(Buffer.from([1]));
    expect(await host.read(1000)).toEqual(reply);
  });

  it('follows a camera baud switch: reply at the old baud, then the port is re-set', async () => {
    const camera = new Vc0706Camera({ clock: systemClock(), imageSizeCode: 0x22 });
    const { host, attachment } = await setup(camera, 38400);
    await host.write(Buffer.from('56002403010da6', 'hex'));
    expect(await host.read(5)).toEqual(Buffer.from('7600240000', 'hex'));
    expect(attachment.lineSettings.baudRate).toBe(115200);
    for (let i = 0; i < 100 && attachment.portBaudRate !== 115200; i++) await new Promise((r) => setTimeout(r, 10));
    expect(attachment.portBaudRate).toBe(115200);
    await host.setBaud(115200);
    await host.write(Buffer.from('56001100', 'hex'));
    expect((await host.read(16)).subarray(5).toString()).toBe('VC0703 1.00');
  });

  it('closes cleanly: the part is stopped and the path can be opened again', async () => {
    const device = new Responder(Buffer.from('x'));
    const { pair, attachment } = await setup(device, 9600);
    await attachment.close();
    expect(device.closed).toBe(true);
    expect(attachment.isOpen).toBe(false);
    const again = await PtyAttachment.open(new Responder(Buffer.from('y')), { path: pair.sim, settings: { baudRate: 9600 } });
    attachments.push(again);
    expect(again.isOpen).toBe(true);
  });

  it('reports a vanished port (socat stopped) and stops the part', async () => {
    const device = new Responder(Buffer.from('x'));
    const { errors } = await setup(device, 9600);
    for (const h of hosts.splice(0)) await h.close();
    await stopAll();
    for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(errors[0]?.message).toMatch(/sim: serial port (closed under the simulator|error)/);
    expect(device.closed).toBe(true);
  });

  it('puts a pty made without raw mode into raw mode: every byte passes unchanged', async () => {
    const pair = await ptyPair();
    // A cooked pty (stty sane: line editing, echo, \n → \r\n on output), as socat makes
    // one without `raw,echo=0`.
    execFileSync('stty', ['-F', realpathSync(pair.sim), 'sane']);
    const reply = Buffer.from([0x0a, 0x0d, 0x03, 0x04, 0x11, 0x13, 0x7f, 0xff]);
    const device = new Responder(reply);
    attachments.push(await PtyAttachment.open(device, { path: pair.sim, settings: { baudRate: 115200 } }));
    const host = await openHostPort(pair.host, 115200);
    hosts.push(host);
    await host.write(Buffer.from([0x03, 0x1a, 0x0d]));
    expect(await host.read(reply.length)).toEqual(reply);
    expect(Buffer.concat(device.got)).toEqual(Buffer.from([0x03, 0x1a, 0x0d]));
  });

  it('refuses a missing path with a message naming it', async () => {
    await expect(PtyAttachment.open(new Responder(Buffer.alloc(0)), { path: '/nonexistent/pty', settings: { baudRate: 9600 } })).rejects.toThrow(
      /\/nonexistent\/pty: cannot open serial port/,
    );
  });
});
