/**
 * Binding one of the trusted server's HTTP(S) listeners (the admin API, MyNet Manager): a
 * listen failure becomes an error naming the address and the fix, the port the OS chose is
 * read back, and close() also ends kept-alive connections, so a stop never waits on a browser.
 */
import type { Server } from 'node:http';
import { isIPv6 } from 'node:net';

export interface Listening {
  readonly port: number;
  /** The address a client on this host reaches it at (a wildcard bind answers on loopback). */
  readonly reach: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  readonly address: string;
  readonly port: number;
  /** Names the listener in errors: "admin API", "MyNet Manager". */
  readonly what: string;
  /** What to do when the port is taken, e.g. "stop it or choose another --web port". */
  readonly whenTaken: string;
  /** The option that sets the address, for other failures: "--web". */
  readonly flag: string;
}

export async function listenHttp(server: Server, o: ListenOptions): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const fix = err.code === 'EADDRINUSE' ? o.whenTaken : `check the ${o.flag} address`;
      reject(new Error(`${o.what}: cannot listen on ${hostPort(o.address, o.port)} (${err.code ?? err.message}); ${fix}`));
    });
    server.listen({ host: o.address, port: o.port, exclusive: true }, () => resolve());
  });
  const bound = server.address();
  return {
    port: typeof bound === 'object' && bound !== null ? bound.port : o.port,
    reach: o.address === '::' ? '::1' : o.address === '0.0.0.0' ? '127.0.0.1' : o.address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function hostPort(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}
