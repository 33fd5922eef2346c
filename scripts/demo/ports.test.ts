import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freeTcpPort, freeUdpPorts } from '../../common/test-support/index.js';
import { checkDemoPortsFree, demoPortProbes } from './ports.js';

describe("the demo's ports are checked before anything starts", () => {
  it('free ports pass', async () => {
    const base = await freeUdpPorts(6);
    await expect(checkDemoPortsFree({ trustPia: base, gatewayPia: base + 1, coap: base + 2, admin: await freeTcpPort(), web: 0 }, 3)).resolves.toBeUndefined();
  });

  it('a taken UDP port in the CoAP range and a taken TCP port are both named, with the option that moves each', async () => {
    const base = await freeUdpPorts(6);
    const udp = createSocket('udp6');
    await new Promise<void>((resolve) => udp.bind(base + 4, '::1', resolve));
    const tcp = createServer();
    const admin = await freeTcpPort();
    await new Promise<void>((resolve) => tcp.listen(admin, '127.0.0.1', resolve));
    try {
      const check = checkDemoPortsFree({ trustPia: base, gatewayPia: base + 1, coap: base + 2, admin, web: 0 }, 3);
      await expect(check).rejects.toThrow(`${base + 4}/udp on ::1 (a device's CoAP port (--coap-port ${base + 2} and the 2 after it)): in use; choose another with --coap-port N`);
      await expect(check).rejects.toThrow(`${admin}/tcp on 127.0.0.1 (the gateway's /healthz and /metrics port): in use; choose another with --admin-port N`);
      await expect(check).rejects.toThrow(/ports are not free, nothing was started/);
    } finally {
      udp.close();
      tcp.close();
    }
  });

  it('port 0 (any free port) is not probed; loopback addressing probes one CoAP port per device', () => {
    const probes = demoPortProbes({ trustPia: 1, gatewayPia: 2, coap: 10, admin: 3, web: 0 }, 4);
    expect(probes.map((p) => `${p.protocol}/${p.port}`)).toEqual(['udp/1', 'udp/2', 'tcp/3', 'udp/10', 'udp/11', 'udp/12', 'udp/13']);
  });
});
