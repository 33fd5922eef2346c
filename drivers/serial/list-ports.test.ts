import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { listSerialPorts } from './list-ports.js';

describe('listSerialPorts', () => {
  it('never rejects on this machine (udevadm may be missing)', async () => {
    const result = await listSerialPorts();
    expect(Array.isArray(result.ports)).toBe(true);
    if (result.error !== undefined) expect(result.error).toMatch(/by-id/);
  });

  it('turns a failed listing into an error that names the cause and the fix, with by-id links as fallback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'by-id-'));
    writeFileSync(join(dir, 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'), '');
    const result = await listSerialPorts({
      list: () => Promise.reject(new Error('spawn udevadm ENOENT')),
      byIdDir: dir,
    });
    expect(result.error).toMatch(/spawn udevadm ENOENT/);
    expect(result.error).toMatch(/udevadm/);
    expect(result.error).toMatch(/\/dev\/pts/);
    expect(result.ports).toEqual([
      { path: join(dir, 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'), byId: join(dir, 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0') },
    ]);
  });

  it('survives a listing function that throws synchronously and a missing by-id folder', async () => {
    const result = await listSerialPorts({
      list: () => {
        throw new Error('boom');
      },
      byIdDir: '/nonexistent/by-id',
    });
    expect(result.ports).toEqual([]);
    expect(result.error).toMatch(/boom/);
  });

  it('maps the system listing, adding the by-id link when udev knows it', async () => {
    const result = await listSerialPorts({
      list: () =>
        Promise.resolve([
          { path: '/dev/ttyUSB0', manufacturer: 'FTDI', vendorId: '0403', productId: '6001', pnpId: 'usb-FTDI_X-if00-port0' },
          { path: '/dev/ttyAMA0' },
        ]),
    });
    expect(result.error).toBeUndefined();
    expect(result.ports).toEqual([
      { path: '/dev/ttyUSB0', manufacturer: 'FTDI', vendorId: '0403', productId: '6001', byId: '/dev/serial/by-id/usb-FTDI_X-if00-port0' },
      { path: '/dev/ttyAMA0' },
    ]);
  });
});
