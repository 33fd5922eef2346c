/**
 * Free ports for tests and benches that start real servers on loopback. A UDP run is checked
 * on [::] dual-stack (so it is free on ::1 and 127.0.0.1 alike); nothing holds the ports
 * afterwards, so a caller binds them at once.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A base port with `n` consecutive UDP ports free (a gateway's loopback CoAP ports, say). */
export async function freeUdpPorts(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const sockets = Array.from({ length: n }, () => createSocket({ type: 'udp6', ipv6Only: false }));
    const ok = await Promise.all(
      sockets.map((s, i) => new Promise<boolean>((resolve) => (s.once('error', () => resolve(false)), s.bind({ port: base + i, address: '::', exclusive: true }, () => resolve(true))))),
    );
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    if (ok.every(Boolean)) return base;
  }
  throw new Error(`no run of ${n} free UDP ports found in 50 tries; is the host out of ports?`);
}

/** A free TCP port on 127.0.0.1 (an admin or metrics listener). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
