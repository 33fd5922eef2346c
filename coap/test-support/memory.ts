/**
 * A CoAP server and client on pia/node's in-memory network with a ManualClock: datagrams
 * travel in microtasks (`settle()` runs every exchange to its end) and the network's
 * interceptors drop, duplicate or delay them.
 */
import { ManualClock } from '../../common/index.js';
import { createMemoryNetwork, type MemoryNetwork } from '../../pia/node/index.js';
import { CoapClient, type CoapClientOptions } from '../client/index.js';
import { CoapServer, type CoapServerOptions } from '../server/index.js';
import { plainTransport, type PlainTransport } from '../transport/index.js';
import { FakeDevice } from './fake-device.js';

export const SERVER_ADDRESS = '2001:db8:42::f1';
export const SECOND_ADDRESS = '2001:db8:42::f2';
export const CLIENT_ADDRESS = '2001:db8:99::1';
export const CLIENT_PORT = 40_000;

export interface MemorySetup {
  readonly clock: ManualClock;
  readonly net: MemoryNetwork;
  readonly server: CoapServer;
  readonly client: CoapClient;
  readonly device: FakeDevice;
  readonly serverTransport: PlainTransport;
  readonly clientTransport: PlainTransport;
  /** coap://[SERVER_ADDRESS]/… */
  uri(path: string): string;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export function memorySetup(
  o: { server?: Partial<Omit<CoapServerOptions, 'transports' | 'clock'>>; client?: Partial<Omit<CoapClientOptions, 'transport' | 'clock'>>; device?: (clock: ManualClock) => FakeDevice } = {},
): MemorySetup {
  const clock = new ManualClock();
  const net = createMemoryNetwork({ clock });
  const serverTransport = plainTransport([net.attach(SERVER_ADDRESS, 5683), net.attach(SECOND_ADDRESS, 5683)]);
  const clientTransport = plainTransport([net.attach(CLIENT_ADDRESS, CLIENT_PORT)]);
  const server = new CoapServer({ transports: [serverTransport], clock, random: () => 0.5, ...o.server });
  let n = 0;
  const client = new CoapClient({
    transport: clientTransport,
    clock,
    random: () => 0,
    randomBytes: (k) => Uint8Array.from({ length: k }, (_, i) => (++n * 31 + i) & 0xff),
    ...o.client,
  });
  const device = o.device?.(clock) ?? new FakeDevice({ clock });
  server.mount(SERVER_ADDRESS, device);
  return {
    clock,
    net,
    server,
    client,
    device,
    serverTransport,
    clientTransport,
    uri: (path) => `coap://[${SERVER_ADDRESS}]${path}`,
    settle: () => clock.advance(0),
    close: async () => {
      await client.close();
      await server.close();
      await clientTransport.close();
      await serverTransport.close();
    },
  };
}
