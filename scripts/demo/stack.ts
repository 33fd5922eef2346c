/**
 * The demo stack, everything embedded in one process: a trusted server, a simulated building
 * and the gateway serving it, with three credentials written for piactl. `npm start` prints
 * the commands to try; the end-to-end tests drive the same stack.
 *
 *   1. a fresh folder (`dir`, emptied only if the demo made it): the trusted server's state in
 *      trust/, credentials beside it; the gateway config written (5) and every port checked
 *      free (ports.ts) before anything starts
 *   2. `pia-trust serve` in-process (PIA on 127.0.0.1:trustPort, admin API on 127.0.0.1, any port)
 *   3. through its admin API: a factory station, "alice" (operator) and "mallory" (operator, no
 *      grant); credentials written 0600
 *   4. the factory step: the station burns the virtual building's (simulator/building.ts)
 *      ATECC608 and HAT EEPROM with `pia-provision`'s burn (provisioning/): the trusted server
 *      generates the gateway's ID and key, the key goes into the chip's secret slot, phase 3
 *      verifies it; alice is granted read and control on every device of the new gateway
 *   5. the gateway config: firmware/config/examples/demo-building.yaml with this run's paths,
 *      ports and addressing mode, its identity from the ATECC608 (gateway.secureElement)
 *   6. the gateway (firmware/gateway startGateway): devices, addresses, CoAP plain and over PIA;
 *      piactl's known-gateways file for this run is `dir`/known_gateways (nothing in the home)
 *   7. MyNet Manager (HTTPS on 127.0.0.1, the state directory's self-signed certificate) with an
 *      account "admin" whose random password is in `dir`/mynet-admin-password (0600; never
 *      printed, never logged)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Clock } from '../../common/index.js';
import { firmwareVersion } from '../../firmware/cli/index.js';
import { loadGatewayConfig } from '../../firmware/config/index.js';
import { startGateway, type Gateway } from '../../firmware/gateway/index.js';
import { writeCredentialFile, type Credential } from '../../pia/credential/index.js';
import { openUdpTransport } from '../../pia/node/index.js';
import { burnBoard, openBoard, openStation, parseBoardSpec, stepText, summaryText } from '../../provisioning/index.js';
import { createVirtualBuilding, type VirtualBuilding } from '../../simulator/index.js';
import { PasswordHasher, startTrustServer, type TrustServer } from '../../trust-server/index.js';
import { checkDemoPortsFree } from './ports.js';

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '../../firmware/config/examples/demo-building.yaml');

export interface DemoPorts {
  readonly trustPia: number;
  readonly gatewayPia: number;
  readonly coap: number;
  readonly admin: number;
  /** MyNet Manager's HTTPS port on 127.0.0.1 (0: any free port). */
  readonly web: number;
}

export interface DemoStackOptions {
  readonly dir: string;
  readonly clock: Clock;
  readonly ports: DemoPorts;
  /** 'auto' (own address per device as root) or 'loopback' (every device on [::1], a port each). */
  readonly addressing: 'auto' | 'loopback';
  readonly logger: Logger;
  readonly log: (line: string) => void;
  /** The trusted server's ticket lifetime (1–600 s; default 600): how soon a removed grant is gone. */
  readonly ticketLifetimeS?: number;
  /**
   * An MQTT uplink to this broker with Home Assistant discovery, and a "home-assistant" node as
   * its subject (mqtt.subject) with `rights` on every device (firmware/uplink/README.md, "Commands").
   */
  readonly mqtt?: { readonly url: string; readonly rights: readonly string[] };
}

export interface DemoStack {
  readonly trust: TrustServer;
  readonly gateway: Gateway;
  readonly building: VirtualBuilding;
  /** Credential files: the factory station, and the operators piactl runs as. */
  readonly credentials: { readonly station: string; readonly alice: string; readonly mallory: string };
  readonly ids: { readonly gateway: string; readonly alice: string; readonly mallory: string; readonly homeAssistant?: string };
  readonly configFile: string;
  /** The gateway's PIA endpoint as piactl's --gateway takes it (IPv4 loopback: piactl's address is then latched, not ::1, which plain clients use). */
  readonly gatewayPia: string;
  /**
   * piactl's known-gateways file for this run (PIACTL_KNOWN_GATEWAYS), in `dir`: a demo run
   * again makes a gateway with a new ID at the same port, which must not meet a line that
   * an earlier run left in the operator's home.
   */
  readonly knownGateways: string;
  /** MyNet Manager: its URL, certificate fingerprint, and the file holding the admin's password. */
  readonly mynet: { readonly url: string; readonly fingerprint: string; readonly admin: string; readonly passwordFile: string };
  close(): Promise<void>;
}

export async function startDemoStack(o: DemoStackOptions): Promise<DemoStack> {
  prepareDemoDir(o.dir);
  const configFile = join(o.dir, 'gateway.yaml');
  writeFileSync(configFile, demoConfig(readFileSync(EXAMPLE, 'utf8'), o), { mode: 0o600 });
  const config = loadGatewayConfig(configFile);
  await checkDemoPortsFree(o.ports, o.addressing === 'loopback' ? config.devices.length : 0);
  const trust = await startTrustServer({
    stateDir: join(o.dir, 'trust'),
    // 127.0.0.1: the gateway latches the server's address (§4); plain clients on ::1 stay plain.
    pia: { address: '127.0.0.1', port: o.ports.trustPia },
    admin: { address: '127.0.0.1', port: 0 },
    web: { bind: { address: '127.0.0.1', port: o.ports.web } },
    ...(o.ticketLifetimeS === undefined ? {} : { ticketLifetimeS: o.ticketLifetimeS }),
    env: {},
    log: (level, m) => o.log(`pia-trust ${level}: ${m}`),
  });
  const closers: (() => Promise<void>)[] = [() => trust.close()];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch((e: unknown) => o.log(`demo: closing: ${e instanceof Error ? e.message : String(e)}`));
  };
  try {
    const admin = adminClient(trust);
    const enroll = async (kind: 'station' | 'operator', label: string, file: string): Promise<string> => {
      const { credential } = (await admin('POST', '/api/nodes', { kind, label })) as { credential: Credential };
      writeCredentialFile(file, credential);
      return credential.id;
    };
    const credentials = { station: join(o.dir, 'station.json'), alice: join(o.dir, 'alice.json'), mallory: join(o.dir, 'mallory.json') };
    await enroll('station', 'demo factory station', credentials.station);
    const alice = await enroll('operator', 'alice', credentials.alice);
    const mallory = await enroll('operator', 'mallory', credentials.mallory);

    // A small, warm room, so temperatures visibly move while the fan and the HVAC unit run.
    const building = createVirtualBuilding({ clock: o.clock, room: { initialC: 27, heatLoadW: 1500, heatCapacityJPerK: 20_000 } });
    closers.push(() => building.close());
    const gatewayId = await provisionGatewayBoard(o, building, credentials.station);
    await admin('POST', '/api/grants', { subject: alice, gateway: gatewayId, devices: '*', rights: ['read', 'control'] });
    const homeAssistant = o.mqtt === undefined ? undefined : await enroll('operator', 'home-assistant', join(o.dir, 'home-assistant.json'));
    if (homeAssistant !== undefined) await admin('POST', '/api/grants', { subject: homeAssistant, gateway: gatewayId, devices: '*', rights: o.mqtt?.rights });
    const ids = { gateway: gatewayId, alice, mallory, ...(homeAssistant === undefined ? {} : { homeAssistant }) };
    const mynet = await addMynetAdmin(trust, admin, join(o.dir, 'mynet-admin-password'));

    // With an MQTT uplink, its section names the subject enrolled just now: the config again, with it.
    const mqtt = o.mqtt === undefined || homeAssistant === undefined ? '' : `
mqtt:
  url: ${JSON.stringify(o.mqtt.url)}
  subject: ${homeAssistant}
  homeAssistant: { enabled: true }
`;
    if (mqtt !== '') writeFileSync(configFile, demoConfig(readFileSync(EXAMPLE, 'utf8'), o) + mqtt, { mode: 0o600 });
    const gatewayConfig = mqtt === '' ? config : loadGatewayConfig(configFile);
    const gateway = await startGateway({ config: gatewayConfig, hardware: building.host, clock: o.clock, logger: o.logger, firmwareVersion: firmwareVersion() });
    closers.push(() => gateway.close());
    return { trust, gateway, building, credentials, ids, configFile, gatewayPia: `127.0.0.1:${gateway.pia.port}`, knownGateways: join(o.dir, 'known_gateways'), mynet, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** The file that marks a folder as the demo's own, so a later run may empty it. */
const DEMO_MARKER = '.pia-demo';

/**
 * Empties `dir` for this run, but only a folder the demo made (its marker file) or an empty
 * one: `--dir ~` must never delete a home folder.
 */
function prepareDemoDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, DEMO_MARKER))) {
    throw new Error(`demo: ${dir} is not empty and was not made by the demo; give a new or empty folder with --dir DIR`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, DEMO_MARKER), 'made by the PIA Gateway demo (npm start): emptied at its next start\n', { mode: 0o600 });
}

/**
 * The factory step (provisioning/README.md) on the building's identity parts: ATECC608 on
 * i2c-1, HAT EEPROM on i2c-0. Returns the gateway's new node ID.
 */
async function provisionGatewayBoard(o: DemoStackOptions, building: VirtualBuilding, stationFile: string): Promise<string> {
  const deps = {
    clock: o.clock,
    openI2c: (n: number) => Promise.resolve(building.host.i2c.get(n) ?? Promise.reject(new Error(`demo: the building has no i2c-${n}`))),
    openTransport: openUdpTransport,
  };
  const station = openStation({ station: stationFile, state: join(o.dir, 'station-state'), labels: join(o.dir, 'labels'), kind: 'gateway', keySource: 'server', json: false }, deps);
  const board = await openBoard(parseBoardSpec('atecc608=i2c-1:0x60+eeprom=i2c-0:0x50'), deps);
  o.log('factory: pia-provision burn --board atecc608=i2c-1:0x60+eeprom=i2c-0:0x50 --label "demo building gateway"');
  const r = await burnBoard(station.context, board, { label: 'demo building gateway', kind: 'gateway', keySource: 'server' }, (line) => o.log(stepText(line).trimEnd()));
  o.log(summaryText(r).trimEnd());
  if (r.id === undefined || r.status !== 'provisioned') throw new Error(`demo: provisioning the gateway's board failed: ${r.error?.message ?? 'unknown'}`);
  return r.id;
}

/** The example config with this run's state folder, ports and addressing; the identity from the ATECC608. */
function demoConfig(example: string, o: DemoStackOptions): string {
  const set = (text: string, key: string, value: string): string => {
    const re = new RegExp(`^(  ${key}:)\\s*\\S+`, 'm');
    if (!re.test(text)) throw new Error(`demo: the example config has no "gateway.${key}" line; update scripts/demo/stack.ts to its format`);
    return text.replace(re, `$1 ${value}`);
  };
  let text = example;
  text = text.replace(/^ {2}credential:.*$/m, '  secureElement: { bus: 1, address: 0x60 }   # burnt by the factory step (pia-provision) at start');
  if (!text.includes('secureElement')) throw new Error('demo: the example config has no "gateway.credential" line; update scripts/demo/stack.ts to its format');
  text = set(text, 'stateDir', JSON.stringify(join(o.dir, 'gateway-state')));
  text = set(text, 'addressing', o.addressing);
  text = set(text, 'piaPort', String(o.ports.gatewayPia));
  text = set(text, 'coapPort', String(o.ports.coap));
  text = set(text, 'adminListen', `127.0.0.1:${o.ports.admin}`);
  return text;
}

/** MyNet Manager's "admin" account, its password random and kept in a 0600 file. */
async function addMynetAdmin(trust: TrustServer, admin: AdminClient, passwordFile: string): Promise<DemoStack['mynet']> {
  if (trust.web === undefined) throw new Error('demo: the trusted server started without MyNet Manager');
  const password = randomBytes(18).toString('base64url');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  await admin('POST', '/api/accounts', { name: 'admin', role: 'admin', passwordHash: await new PasswordHasher().hash(password) });
  return { url: trust.web.url, fingerprint: trust.web.fingerprint, admin: 'admin', passwordFile };
}

type AdminClient = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** The trusted server's admin API with its bearer token (trust-server/README.md). */
function adminClient(trust: TrustServer): AdminClient {
  const token = readFileSync(trust.paths.adminToken, 'utf8').trim();
  return async (method, path, body) => {
    const res = await fetch(`${trust.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer: unknown = await res.json();
    if (!res.ok) throw new Error(`demo: trusted server admin API ${method} ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
    return answer;
  };
}
