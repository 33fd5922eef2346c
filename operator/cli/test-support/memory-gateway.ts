/**
 * piactl against a gateway on pia/node's in-memory network with a ManualClock: the trusted
 * server's authority (MemoryTrust), a gateway node with an identity, and a CoAP server over
 * PIA serving fake devices, each on its own address, with the gateway's own policy and access
 * hook (firmware/gateway createDeviceServer). piactl runs in-process (runPiactl) with a
 * credential file for an operator the test registers, grants or revokes.
 *
 * The gateway's own address answers /.well-known/core with one absolute link per device
 * (`<coap://[ADDR]/NAME>;rt="pia.device.KIND"`, operator/README.md "Targets"), or, with
 * `listing: 'relative'`, serves the devices at its own address too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'jpeg-js';
import type { Clock } from '../../../common/index.js';
import { CoapCode, CoapOptionNumber, ContentFormat, decodeMessage, encodeMessage, formatLinks, piaTransport, uintOption, uriPath, type CoapMessage, type CoapServer, type CoapTransport, type Link } from '../../../coap/index.js';
import { FakeDevice, type FakeDeviceOptions } from '../../../coap/test-support/index.js';
import { createDeviceServer, type AccessHooks } from '../../../firmware/gateway/index.js';
import { makeCredential, writeCredentialFile } from '../../../pia/credential/index.js';
import { MemoryLatchStore, PeerDiscovery, canonicalAddress } from '../../../pia/discovery/index.js';
import { nodeIdToText } from '../../../pia/phase3/index.js';
import type { Endpoint } from '../../../pia/node/index.js';
import { S, trio, type P3Node, type Trio } from '../../../pia/node/test-support/index.js';
import { runPiactl } from '../run-piactl.js';

export const GATEWAY = { address: '2001:db8:b::1', port: 4500 };
/** GATEWAY as piactl writes it in messages and --json. */
export const GATEWAY_TEXT = `[${GATEWAY.address}]:${GATEWAY.port}`;

/** One `--json` object printed on stdout. */
export const jsonOf = (text: string): Record<string, unknown> => JSON.parse(text.trim()) as Record<string, unknown>;
export const FAN_ADDRESS = '2001:db8:42::f1';
export const CAMERA_ADDRESS = '2001:db8:42::c1';
export const OPERATOR_ADDRESS = '2001:db8:a::1';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly credential?: string;
  readonly env?: Record<string, string>;
  /** false: no --gateway added (the target's address is the gateway's). */
  readonly gateway?: boolean;
  /** false: no PIACTL_GATEWAY_ID=the gateway's ID in the environment (piactl then uses its known-gateways file). */
  readonly pin?: boolean;
}

export interface Running {
  readonly done: Promise<number>;
  stdout(): string;
  stderr(): string;
  /** Ctrl-C. */
  interrupt(): void;
}

export interface MemoryGateway {
  readonly t: Trio;
  readonly gateway: P3Node;
  readonly gatewayId: string;
  readonly fan: FakeDevice;
  readonly camera: JpegCamera;
  readonly server: CoapServer;
  /** Registers an operator (granted `rights` on `devices` unless `grant` is null); returns its credential file. */
  operator(label: string, grant?: { devices: string; rights: readonly string[] } | null): { file: string; id: string };
  revoke(id: string): void;
  /**
   * Another registered gateway (`label`, its own credential) takes over the gateway's PIA
   * endpoint: the real gateway's node leaves it, and this one answers there, vouching through
   * the same trusted server. Returns its node ID (grant operators on it with `t.trust.grant`).
   */
  takeOver(label: string): Promise<string>;
  /** piactl's known-gateways file in runs without their own env (XDG_CONFIG_HOME is a temp folder). */
  readonly knownGateways: string;
  /**
   * Runs `piactl ARGS…` to its end, moving simulated time; `--credential` and `--gateway` are
   * added unless given; the environment is `o.env` over XDG_CONFIG_HOME=a temp folder (no run
   * writes into the real home) and PIACTL_GATEWAY_ID=the gateway's ID (unless `o.pin` is false).
   */
  run(args: readonly string[], o?: RunOptions): Promise<RunResult>;
  /** Starts `piactl ARGS…` without waiting (watch). */
  start(args: readonly string[], o?: RunOptions): Running;
  /** Moves simulated time until `cond()` holds (at most `maxMs`). */
  until(cond: () => boolean, maxMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A camera-like FakeDevice whose blob is a real baseline JPEG (jpeg-js). */
export class JpegCamera extends FakeDevice {
  constructor(
    readonly jpeg: Uint8Array,
    options: FakeDeviceOptions,
  ) {
    super(options);
  }

  override async fetch(blob: string, params: Readonly<Record<string, unknown>>): Promise<Uint8Array> {
    const raw = await super.fetch(blob, params); // keeps FakeDevice's faults and one-capture-at-a-time
    return raw.length === 0 ? raw : this.jpeg;
  }
}

/** A noisy 160×120 image: a JPEG of some kilobytes, so a snapshot takes many Block2 blocks. */
export function testJpeg(): Uint8Array {
  const width = 160;
  const height = 120;
  const data = Buffer.alloc(width * height * 4);
  let x = 12345;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    data[i] = i % 4 === 3 ? 255 : (x >> 16) & 0xff;
  }
  return new Uint8Array(encode({ data, width, height }, 90).data);
}

export function memoryGateway(seed: string, o: { listing?: 'absolute' | 'relative'; gatewayTrustServer?: Endpoint } = {}): MemoryGateway {
  const t = trio(seed);
  const dir = mkdtempSync(join(tmpdir(), 'piactl-'));
  const configHome = join(dir, 'config');
  const gw = t.trust.register('gateway', 'rack1-gw');
  const gateway = t.add('gateway', GATEWAY, { phase3: { identity: gw.identity, trustServer: o.gatewayTrustServer ?? S } });
  const fan = new FakeDevice({ name: 'rack-fan', clock: t.clock });
  const camera = new JpegCamera(testJpeg(), { name: 'front-cam', clock: t.clock });
  const devices = [
    { device: fan, address: FAN_ADDRESS, kind: 'fan' },
    { device: camera, address: CAMERA_ADDRESS, kind: 'camera' },
  ];
  const links: Link[] = devices.map((d) => ({ href: `coap://[${d.address}]/${d.device.describe().name}`, attributes: { rt: `pia.device.${d.kind}`, title: d.device.describe().name } }));
  const transport = o.listing === 'relative' ? piaTransport(gateway.node) : withDirectory(piaTransport(gateway.node), GATEWAY.address, links);
  const served = createDeviceServer({ transports: [transport], clock: t.clock, random: () => 0.5, access: piaOnlyAccess(t.clock, GATEWAY.port) });
  for (const d of devices) {
    served.mount(d.address, d.device, { plainReads: false });
    if (o.listing === 'relative') served.mount(GATEWAY.address, d.device, { plainReads: false });
  }
  const server = served.coap;
  let keyCounter = 0;
  let port = 40_000;
  const until = async (cond: () => boolean, maxMs = 120_000): Promise<void> => {
    for (let spent = 0; !cond(); spent += 10) {
      if (spent > maxMs) throw new Error(`condition not met within ${maxMs} simulated ms`);
      await t.clock.advance(10);
    }
  };
  const start = (args: readonly string[], ro: RunOptions = {}): Running => {
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    const full = [...(ro.credential === undefined || args.includes('--credential') ? [] : ['--credential', ro.credential]), ...(args.includes('--gateway') || ro.gateway === false ? [] : ['--gateway', `[${GATEWAY.address}]:${GATEWAY.port}`]), ...args];
    const at = port++;
    const done = runPiactl(full, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      signal: controller.signal,
      env: { XDG_CONFIG_HOME: configHome, ...(ro.pin === false ? {} : { PIACTL_GATEWAY_ID: gw.text }), ...ro.env },
      clock: t.clock,
      // as piactl's own UDP socket: connected per peer, so a datagram to nobody draws "unreachable"
      openTransport: (options) => Promise.resolve(t.net.attach(OPERATOR_ADDRESS, at, { reportUnreachable: options.connectPeers === true })),
    });
    return { done, stdout: () => stdout, stderr: () => stderr, interrupt: () => controller.abort() };
  };
  return {
    t,
    gateway,
    gatewayId: gw.text,
    fan,
    camera,
    server,
    operator(label, grant = { devices: '*', rights: ['read', 'control'] }) {
      const key = new Uint8Array(32).fill(++keyCounter);
      const op = t.trust.register('operator', label, key);
      if (grant !== null) t.trust.grant(op.text, gw.text, grant.devices, grant.rights);
      const file = join(dir, `${label}.json`);
      writeCredentialFile(file, makeCredential({ id: op.text, kind: 'operator', label }, key, { address: S.address, port: S.port, id: nodeIdToText(t.trust.serverId) }));
      return { file, id: op.text };
    },
    revoke: (id) => t.trust.revoke(id),
    async takeOver(label) {
      const x = t.trust.register('gateway', label);
      await gateway.node.close();
      t.add(`impostor-${label}`, GATEWAY, { phase3: { identity: x.identity, trustServer: S, trustServerId: nodeIdToText(t.trust.serverId) } });
      return x.text;
    },
    knownGateways: join(configHome, 'piactl', 'known_gateways'),
    async run(args, ro = {}) {
      const r = start(args, ro);
      const code = await t.clock.settle(r.done, 10);
      return { code, stdout: r.stdout(), stderr: r.stderr() };
    },
    start,
    until,
    async close() {
      await server.close();
      await transport.close();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The gateway's access hooks for a CoAP server that only PIA reaches (piactl's tests): no
 * plaintext arrives, so discovery never acts; the gateway is not stopping and its audit log is
 * writable. The policy is the gateway's: phase 3 and a covering grant for every request.
 */
export function piaOnlyAccess(clock: Clock, piaPort: number): AccessHooks {
  return {
    discovery: new PeerDiscovery({ clock, self: { port: piaPort, canInitiate: true }, latches: new MemoryLatchStore() }),
    startExchange: () => undefined,
    recordLatch: () => undefined,
    log: { info: () => undefined, warn: () => undefined },
    closing: () => false,
    auditWritable: () => true,
  };
}

/** Answers GET /.well-known/core sent to `at` with `links` (absolute ones: a directory); everything else goes on to the server. */
function withDirectory(inner: CoapTransport, at: string, links: readonly Link[]): CoapTransport {
  return {
    maxMessageSize: inner.maxMessageSize,
    description: inner.description,
    send: (bytes, to, meta) => inner.send(bytes, to, meta),
    close: () => inner.close(),
    onMessage: (handler) =>
      inner.onMessage((bytes, from, meta) => {
        let m: CoapMessage | undefined;
        try {
          m = decodeMessage(bytes);
        } catch {
          m = undefined;
        }
        if (m === undefined || canonicalAddress(meta.local) !== canonicalAddress(at) || m.code !== CoapCode.GET || uriPath(m.options).join('/') !== '.well-known/core') {
          handler(bytes, from, meta);
          return;
        }
        const reply: CoapMessage = {
          type: m.type === 'CON' ? 'ACK' : 'NON',
          code: CoapCode.Content,
          messageId: m.messageId,
          token: m.token,
          options: [uintOption(CoapOptionNumber.ContentFormat, ContentFormat.LinkFormat)],
          payload: new TextEncoder().encode(formatLinks(links)),
        };
        void inner.send(encodeMessage(reply), from, { local: meta.local, ctx: meta.ctx });
      }),
  };
}
