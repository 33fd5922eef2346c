/**
 * The demo's ports, checked before anything is started or burnt: a port in use is found in a
 * second, with the option that moves it, instead of after the factory step.
 *
 * What binds where (scripts/demo/stack.ts, firmware/gateway start-steps.ts):
 *   trusted server PIA   udp 127.0.0.1:trustPia
 *   gateway PIA          udp [::]:gatewayPia (loopback addressing) / its own address (auto)
 *   CoAP                 udp [::1]:coap … coap + devices − 1 (loopback addressing: a port each)
 *   gateway admin HTTP   tcp 127.0.0.1:admin
 *   MyNet Manager HTTPS  tcp 127.0.0.1:web
 * Port 0 means "any free port" and is not checked. A probe binds and closes at once; a port
 * taken between the check and the start still fails then, with the server's own message.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { DemoPorts } from './stack.js';

interface Probe {
  readonly protocol: 'udp' | 'tcp';
  readonly address: string;
  readonly port: number;
  readonly what: string;
  readonly option: string;
}

/** Every port the demo will bind, with the option that moves it. */
export function demoPortProbes(ports: DemoPorts, coapPortsUsed: number): Probe[] {
  const probes: Probe[] = [
    { protocol: 'udp', address: '127.0.0.1', port: ports.trustPia, what: "the trusted server's PIA port", option: '--trust-port' },
    { protocol: 'udp', address: '::', port: ports.gatewayPia, what: "the gateway's PIA port", option: '--pia-port' },
    { protocol: 'tcp', address: '127.0.0.1', port: ports.admin, what: "the gateway's /healthz and /metrics port", option: '--admin-port' },
    { protocol: 'tcp', address: '127.0.0.1', port: ports.web, what: "MyNet Manager's HTTPS port", option: '--web-port' },
  ];
  for (let i = 0; i < coapPortsUsed; i++) {
    probes.push({ protocol: 'udp', address: '::1', port: ports.coap + i, what: `a device's CoAP port (--coap-port ${ports.coap} and the ${coapPortsUsed - 1} after it)`, option: '--coap-port' });
  }
  return probes.filter((p) => p.port !== 0);
}

/** Throws one error naming every port in use and the option to move it. */
export async function checkDemoPortsFree(ports: DemoPorts, coapPortsUsed: number): Promise<void> {
  const taken: string[] = [];
  for (const p of demoPortProbes(ports, coapPortsUsed)) {
    const error = await bindError(p);
    if (error !== undefined) taken.push(`${p.port}/${p.protocol} on ${p.address} (${p.what}): ${error}; choose another with ${p.option} N`);
  }
  if (taken.length > 0) throw new Error(`demo: ${taken.length === 1 ? 'a port is' : 'ports are'} not free, nothing was started: ${taken.join('; ')}`);
}

function bindError(p: Probe): Promise<string | undefined> {
  return new Promise((resolve) => {
    const fail = (e: NodeJS.ErrnoException): void => resolve(e.code === 'EADDRINUSE' ? 'in use' : (e.code ?? e.message));
    if (p.protocol === 'udp') {
      const socket = createSocket({ type: p.address.includes(':') ? 'udp6' : 'udp4' });
      socket.once('error', fail);
      socket.bind(p.port, p.address, () => socket.close(() => resolve(undefined)));
    } else {
      const server = createServer();
      server.once('error', fail);
      server.listen(p.port, p.address, () => server.close(() => resolve(undefined)));
    }
  });
}
