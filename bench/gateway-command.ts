/**
 * Bench: a command's round trip and a 100 KB snapshot through the gateway,
 * over PIA phase 3 against plain CoAP to the same device, in the same run, interleaved (the
 * order swaps every round). Targets: PIA ÷ plain ≤ 1.15 for a command, ≤ 1.5 for the snapshot
 * (medians; p99 ratios shown too). Both paths keep the audit's fsync per acknowledged command.
 *
 * Real UDP on loopback, by default all in this one process: the gateway's pollers, the
 * trusted server and the simulated parts share the event loop with both paths alike, and a
 * request/response serialises client and gateway work anyway. `--split` runs the serving side
 * (1, 3, 4) in a child process: on this shared 2-core machine, under load, that doubled both
 * paths' times (cross-process wake-ups), and the ratios moved by ≤ 0.1 (commands 1.35–1.41
 * against 1.28–1.35, snapshots ~1.4 both), so it is there to check, not the default.
 *   1. scripts/demo/stack.ts: a trusted server, enrolled credentials and the gateway
 *      (startGateway, loopback addressing) on the simulated building; the room's heat load is
 *      set to 0 so the fan's temperature fail-safe (35 °C) cannot take the output mid-run;
 *   2. PIA: a piactl session (operator/ openSession) with alice's credential (read + control
 *      on every device): a PiaNode over UDP to the gateway's PIA port, its CoapClient riding
 *      the SA (coap/ piaTransport), to the gateway's own CoAP server for rack-fan (policy,
 *      audit);
 *   3. plain: the gateway's policy never allows a plain command (firmware/policy: commands
 *      need phase 3; gateway.yaml can open plain *reads* only), so the baseline mounts the same
 *      rack-fan Device object on a second CoapServer on a plain UDP socket on [::1], without
 *      the authorize hook, its commands still appended to the gateway's audit log (the same
 *      AuditTrail class and file, fsync before the answer, as the gateway does): the paths
 *      differ by PIA and the policy check only. Both call Device.set → PWM write; commands
 *      alternate 60/80 % so each is a real write: every answer must carry the value set, and
 *      the fan's completed PWM writes (its `output` changes) must equal the commands sent and
 *      the simulated fan's duty the last value, else the run fails;
 *   4. snapshot: the simulated VC0706 at 38400 baud takes seconds per capture (that would
 *      measure the serial line), so the 100 KB come from a Device whose fetch returns a fixed
 *      102 400-byte JPEG at once, mounted on the gateway itself (Gateway.mount: over PIA, an
 *      inner port of its own, the gateway's policy, audit and metrics) and on the plain server
 *      of (3). Block2, 1024-byte blocks both ways (100 blocks). One real camera snapshot over
 *      PIA is timed afterwards, for reference.
 *
 * Where the time goes (`node --cpu-prof --import tsx bench/gateway-command.ts 2000 1`, one
 * process): the audit's fsync is the largest single item, on both paths alike (kept: one per
 * acknowledged command). What only PIA adds per message is the AEAD (node:crypto for
 * AES-256-GCM, the suite the CPU order picks on a host with AES instructions: a cipher object
 * per packet, about 70 % of PIA's share) and the ESP path around it (pia/node esp-inbound.ts,
 * esp-outbound.ts: no allocation of its own per packet; about 30 %). Outside pia/: address
 * canonicalisation per request (coap/client/exchange.ts on both paths,
 * firmware/gateway/device-server.ts on PIA's) and the system clock's timer queue cost more than
 * the ESP path does.
 *
 * Run: npx tsx bench/gateway-command.ts [command rounds, default 3000] [snapshot rounds, default 100] [--split]
 */
import { freeTcpPort, freeUdpPorts } from '../common/test-support/index.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { decode, encode } from 'jpeg-js';
import { systemClock } from '../common/index.js';
import type { JsonValue } from '../common/audit/index.js';
import { CoapClient, CoapServer, plainUdpTransport } from '../coap/index.js';
import { DeviceError, type Device, type DeviceDescription } from '../devices/model/index.js';
import { AuditTrail, createGatewayLogger, servedDevice } from '../firmware/gateway/index.js';
import { openSession } from '../operator/index.js';
import { summarize, type RttSummary } from '../pia/cli/index.js';
import type { Endpoint } from '../pia/node/index.js';
import { startDemoStack } from '../scripts/demo/index.js';

const FAN = 'rack-fan';
const BLOB = 'bench-blob';
const BLOB_BYTES = 100 * 1024;
const COMMAND_WARMUP = 200;
const SNAPSHOT_WARMUP = 3;

export interface GatewayCommandResult {
  /** The serving side (gateway, plain server) in a child process. */
  readonly split: boolean;
  readonly command: { readonly rounds: number; readonly pia: RttSummary; readonly plain: RttSummary; readonly auditAppend: RttSummary };
  readonly snapshot: { readonly rounds: number; readonly bytes: number; readonly pia: RttSummary; readonly plain: RttSummary };
  /** One real simulated-camera snapshot over PIA. */
  readonly camera: { readonly bytes: number; readonly size: string; readonly ms: number };
}

/** A valid baseline JPEG of noise (jpeg-js), padded with COM segments to exactly `bytes`. */
export function fixedJpeg(bytes: number): Uint8Array {
  let seed = 0x5eed;
  let jpeg: Buffer | undefined;
  for (let side = 232; side >= 16 && (jpeg === undefined || jpeg.length > bytes - 4); side -= 8) {
    const px = Buffer.alloc(side * side * 4);
    for (let i = 0; i < px.length; i++) px[i] = i % 4 === 3 ? 255 : (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    jpeg = encode({ data: px, width: side, height: side }, 90).data;
  }
  if (jpeg === undefined || jpeg.length > bytes - 4) throw new Error(`bench: no JPEG small enough for ${bytes} bytes`);
  const segments: Buffer[] = [];
  for (let left = bytes - jpeg.length; left > 0; ) {
    let size = Math.min(left, 4 + 65_533); // FF FE, length (2), at most 65 533 bytes of comment
    if (left - size > 0 && left - size < 4) size -= 4;
    const seg = Buffer.alloc(size, 0x2e);
    seg[0] = 0xff;
    seg[1] = 0xfe;
    seg.writeUInt16BE(size - 2, 2);
    segments.push(seg);
    left -= size;
  }
  return new Uint8Array(Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]));
}

/** A camera-like Device whose snapshot is a fixed JPEG, ready at once. */
function fixedBlobDevice(jpeg: Uint8Array): Device {
  const snapshot = { name: 'snapshot', contentFormat: 22, params: [], rt: 'pia.camera.snapshot', description: 'a fixed JPEG' };
  const description: DeviceDescription = { name: BLOB, kind: 'camera', part: `fixed ${jpeg.length}-byte JPEG in memory (bench)`, properties: [], actions: [], blobs: [snapshot] };
  const none = (what: string): Promise<never> => Promise.reject(new DeviceError('not-found', `${BLOB} has no ${what}`));
  return {
    describe: () => description,
    read: () => ({}),
    health: () => ({ status: 'ok', failures: 0 }),
    set: (p) => none(`property ${p}`),
    call: (a) => none(`action ${a}`),
    fetch: (b) => (b === 'snapshot' ? Promise.resolve(jpeg) : none(`blob ${b}`)),
    onChange: () => () => undefined,
    onEvent: () => () => undefined,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}

/** Runs `a` and `b` once per round, in an order that swaps every round; samples after the warm-up. */
async function interleaved(rounds: number, warmup: number, a: () => Promise<number>, b: () => Promise<number>): Promise<[number[], number[]]> {
  const out: [number[], number[]] = [[], []];
  for (let i = 0; i < warmup + rounds; i++) {
    const order = i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const);
    for (const which of order) {
      const ms = await (which === 0 ? a : b)();
      if (i >= warmup) out[which].push(ms);
    }
  }
  return out;
}

/** Where the serving side is, for the clients (JSON: it crosses to a child process's parent). */
interface Targets {
  readonly piaPort: number;
  readonly credential: string;
  readonly gatewayId: string;
  readonly knownGateways: string;
  readonly plainPort: number;
  readonly blobInnerPort: number;
  readonly fan: Endpoint;
  readonly camera: Endpoint;
}

interface ServerReport {
  /** PWM writes of the fan that completed (each changes its `output`). */
  readonly driverWrites: number;
  readonly fanOutput: number | null;
  /** ms of each audit append on the plain path. */
  readonly auditMs: readonly number[];
}

/** The serving side: steps 1, 3 and the blob of 4 (header). */
async function serve(): Promise<{ targets: Targets; report: () => ServerReport; close: () => Promise<void> }> {
  const clock = systemClock();
  const dir = mkdtempSync(join(tmpdir(), 'pia-bench-command-'));
  const base = await freeUdpPorts(12);
  const logger = createGatewayLogger({ pretty: true, level: 'warn', destination: process.stderr });
  const stack = await startDemoStack({
    dir,
    clock,
    ports: { trustPia: base, gatewayPia: base + 1, coap: base + 2, admin: await freeTcpPort(), web: 0 },
    addressing: 'loopback',
    logger,
    log: (line) => (/^pia-trust (warn|error)/.test(line) ? console.error(line) : undefined),
  }).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const closers: (() => Promise<unknown>)[] = [() => Promise.resolve(rmSync(dir, { recursive: true, force: true })), () => stack.close()];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch((e: unknown) => console.error(`bench: closing: ${e instanceof Error ? e.message : String(e)}`));
  };
  try {
    stack.building.room.heatLoadW = 0; // no fail-safe takeover of the fan mid-run (header, 1)
    const gateway = stack.gateway;
    const fan = gateway.device(FAN);
    const camera = gateway.device('lobby-camera');
    if (fan === undefined || camera === undefined) throw new Error(`bench: the demo gateway serves no ${FAN} or lobby-camera; check firmware/config/examples/demo-building.yaml`);
    let driverWrites = 0;
    fan.device.onChange((property) => void (property === 'output' && driverWrites++));
    const blob = fixedBlobDevice(fixedJpeg(BLOB_BYTES));

    // 4. the blob over PIA, mounted on the gateway at an inner port after its own (base+2…)
    const blobInnerPort = base + 2 + gateway.devices.length;
    const unmountBlob = gateway.mount(blob, { port: blobInnerPort });
    closers.push(() => Promise.resolve(unmountBlob()));

    // 3. plain: the same rack-fan Device (and the blob) on a second server, audited like the gateway
    const auditMs: number[] = [];
    const audit = gateway.audit;
    const timedAudit = {
      ...audit,
      append: (event: string, fields?: Readonly<Record<string, JsonValue>>) => {
        const t0 = performance.now();
        const r = audit.append(event, fields);
        auditMs.push(performance.now() - t0);
        return r;
      },
    };
    const trail = new AuditTrail({ log: timedAudit, onAppended: () => undefined, onFailed: (m) => console.error(`bench: audit: ${m}`) });
    const plain = await plainUdpTransport({ addresses: ['::1'], port: 0 });
    // No authorize hook here, so no verdict: the record names the fan, as the gateway's hook would.
    const plainServer = new CoapServer({ transports: [plain], clock, onExchange: (r) => trail.exchange({ ...r, verdict: { devices: [FAN], access: 'control', allowed: undefined } }) });
    plainServer.mount('::1', servedDevice(fan.device));
    plainServer.mount('::1', servedDevice(blob));
    closers.push(() => plain.close(), () => plainServer.close());
    return {
      targets: { piaPort: gateway.pia.port, credential: stack.credentials.alice, gatewayId: stack.ids.gateway, knownGateways: stack.knownGateways, plainPort: plain.locals[0]!.port, fan: fan.endpoint, camera: camera.endpoint, blobInnerPort },
      report: () => ({ driverWrites, fanOutput: Math.round(stack.building.parts.fan.dutyFraction * 100), auditMs }),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

interface Measured {
  /** Sent, warm-up included, and the last value set. */
  readonly commands: number;
  readonly lastValue: number;
  /** ms, [PIA, plain]. */
  readonly command: readonly [number[], number[]];
  readonly snapshot: readonly [number[], number[]];
  readonly camera: GatewayCommandResult['camera'];
}

/** The clients: alice's piactl session over PIA (2) and a plain client; (a), (b), the camera. */
async function measure(t: Targets, commandRounds: number, snapshotRounds: number): Promise<Measured> {
  const clock = systemClock();
  const jpeg = fixedJpeg(BLOB_BYTES);
  const io = { stdout: { write: () => true }, stderr: process.stderr, signal: new AbortController().signal, env: {} };
  const session = await openSession({ gateway: { address: '127.0.0.1', port: t.piaPort }, credential: t.credential, json: false, timeoutMs: 60_000, gatewayId: { id: t.gatewayId, from: '--gateway-id' }, knownGateways: t.knownGateways }, io);
  const plainSide = await plainUdpTransport({ addresses: ['::1'], port: 0 });
  const plainClient = new CoapClient({ transport: plainSide, clock, responseTimeoutMs: 60_000 });
  try {
    const plainAt = `coap://[::1]:${t.plainPort}`;
    let k = 0;
    const command = (client: CoapClient, at: string) => async (): Promise<number> => {
      const value = k++ % 2 === 0 ? 60 : 80;
      const t0 = performance.now();
      const r = await client.put(`${at}/${FAN}/speed`, value);
      const ms = performance.now() - t0;
      if (!r.ok || (r.json() as { value?: unknown }).value !== value) throw new Error(`bench: PUT ${at}/${FAN}/speed ${value} answered ${r.codeText} ${r.text()}`);
      return ms;
    };
    const cmd = await interleaved(commandRounds, COMMAND_WARMUP, command(session.client, `coap://[${t.fan.address}]:${t.fan.port}`), command(plainClient, plainAt));
    const snapshot = (client: CoapClient, at: string) => async (): Promise<number> => {
      const t0 = performance.now();
      const r = await client.get(`${at}/${BLOB}/snapshot`);
      const ms = performance.now() - t0;
      if (!r.ok || Buffer.compare(r.payload, jpeg) !== 0) throw new Error(`bench: GET ${at}/${BLOB}/snapshot answered ${r.codeText} with ${r.payload.length} bytes, not the ${jpeg.length}-byte JPEG: ${r.diagnostic ?? ''}`);
      return ms;
    };
    const snap = await interleaved(snapshotRounds, SNAPSHOT_WARMUP, snapshot(session.client, `coap://[::1]:${t.blobInnerPort}`), snapshot(plainClient, plainAt));
    // one real simulated-camera snapshot (VC0706, 38400 baud), over PIA
    const t0 = performance.now();
    const shot = await session.client.get(`coap://[${t.camera.address}]:${t.camera.port}/lobby-camera/snapshot`);
    const cameraMs = performance.now() - t0;
    if (!shot.ok) throw new Error(`bench: the camera snapshot answered ${shot.codeText}: ${shot.diagnostic ?? ''}`);
    const picture = decode(Buffer.from(shot.payload)); // throws when it is not a JPEG
    const camera = { bytes: shot.payload.length, size: `${picture.width}×${picture.height}`, ms: cameraMs };
    return { commands: k, lastValue: (k - 1) % 2 === 0 ? 60 : 80, command: cmd, snapshot: snap, camera };
  } finally {
    await plainClient.close();
    await plainSide.close();
    await session.close();
  }
}

/** Every command was a completed PWM write (header, 3), or the figures mean nothing. */
function checkDriverWrites(m: Measured, r: ServerReport): void {
  if (r.driverWrites !== m.commands || r.fanOutput !== m.lastValue) {
    throw new Error(`bench: ${m.commands} commands but ${r.driverWrites} PWM writes of the fan, its duty now ${String(r.fanOutput)} % (last set ${m.lastValue} %): a command did not reach the driver (the fan's fail-safe?)`);
  }
}

function result(m: Measured, r: ServerReport, split: boolean): GatewayCommandResult {
  const [[piaCmd, plainCmd], [piaSnap, plainSnap]] = [m.command, m.snapshot];
  return {
    split,
    command: { rounds: piaCmd.length, pia: summarize(piaCmd)!, plain: summarize(plainCmd)!, auditAppend: summarize(r.auditMs.slice(-piaCmd.length))! },
    snapshot: { rounds: piaSnap.length, bytes: BLOB_BYTES, pia: summarize(piaSnap)!, plain: summarize(plainSnap)! },
    camera: m.camera,
  };
}

/** One process (default), or with `split` the serving side in a child process (this file, --serve). */
export async function main(commandRounds = 3000, snapshotRounds = 100, split = false): Promise<GatewayCommandResult> {
  let r: GatewayCommandResult;
  if (!split) {
    const server = await serve();
    try {
      const m = await measure(server.targets, commandRounds, snapshotRounds);
      checkDriverWrites(m, server.report());
      r = result(m, server.report(), false);
    } finally {
      await server.close();
    }
  } else {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator](); // one iterator: leaving a for-await would close it
    const next = async (): Promise<unknown> => {
      for (let l = await lines.next(); l.done !== true; l = await lines.next()) if (l.value.startsWith('{')) return JSON.parse(l.value);
      throw new Error('bench: the serving child exited without answering');
    };
    try {
      const targets = (await next()) as Targets;
      const m = await measure(targets, commandRounds, snapshotRounds);
      child.stdin.write('report\n');
      const report = (await next()) as ServerReport;
      checkDriverWrites(m, report);
      r = result(m, report, true);
    } finally {
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    }
  }
  print(r);
  return r;
}

/** The child of `main(…, split)`: serves, prints the targets, a report when asked, closes at end of stdin. */
async function serveChild(): Promise<void> {
  const server = await serve();
  process.stdout.write(`${JSON.stringify(server.targets)}\n`);
  for await (const line of createInterface({ input: process.stdin })) if (line === 'report') process.stdout.write(`${JSON.stringify(server.report())}\n`);
  await server.close();
}

function print(r: GatewayCommandResult): void {
  const us = (ms: number): string => (ms * 1000).toFixed(0);
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  const c = r.command;
  console.log(`Gateway command round trip: PUT /${FAN}/speed → Device.set → PWM write → answer, real UDP on loopback, ${r.split ? 'gateway in a child process' : 'one process'}, ${c.rounds} rounds, PIA and plain interleaved`);
  console.log('path                       median µs   p99 µs');
  console.log(`plain CoAP (same Device)   ${us(c.plain.median).padStart(9)}  ${us(c.plain.p99).padStart(7)}`);
  console.log(`PIA phase 3 (gateway)      ${us(c.pia.median).padStart(9)}  ${us(c.pia.p99).padStart(7)}`);
  console.log(`PIA ÷ plain                ${ratio(c.pia.median, c.plain.median).padStart(9)}  ${ratio(c.pia.p99, c.plain.p99).padStart(7)}   target ≤ 1.15`);
  console.log(`  in both: the audit append before the answer (write + fsync; timed on the plain path) median ${us(c.auditAppend.median)} µs, p99 ${us(c.auditAppend.p99)} µs`);
  const s = r.snapshot;
  const mbps = (ms: number): string => (s.bytes / 1e6 / (ms / 1000)).toFixed(1);
  console.log(`\n${(s.bytes / 1024).toFixed(0)} KB snapshot (Block2, ${Math.ceil(s.bytes / 1024)} blocks of 1024 B) from a device whose capture is instant, ${s.rounds} rounds, interleaved`);
  console.log('path                       median ms   p99 ms   MB/s (median)');
  console.log(`plain CoAP                 ${s.plain.median.toFixed(1).padStart(9)}  ${s.plain.p99.toFixed(1).padStart(7)}   ${mbps(s.plain.median).padStart(6)}`);
  console.log(`PIA phase 3                ${s.pia.median.toFixed(1).padStart(9)}  ${s.pia.p99.toFixed(1).padStart(7)}   ${mbps(s.pia.median).padStart(6)}`);
  console.log(`PIA ÷ plain                ${ratio(s.pia.median, s.plain.median).padStart(9)}  ${ratio(s.pia.p99, s.plain.p99).padStart(7)}            target ≤ 1.5`);
  const lineS = (r.camera.bytes * 10) / 38_400; // 8N1: 10 bits a byte on the wire
  console.log(`\nFor reference, one real simulated-camera snapshot (lobby-camera, VC0706 at 38400 baud) over PIA: ${r.camera.size}, ${r.camera.bytes} bytes in ${(r.camera.ms / 1000).toFixed(2)} s (the JPEG alone is ${lineS.toFixed(2)} s on the serial line)`);
  console.log('targets: command PIA ÷ plain ≤ 1.15 (median), 100 KB snapshot PIA ÷ plain ≤ 1.5 (median)');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args[0] === '--serve') await serveChild();
  else {
    const split = args.includes('--split');
    const [commands, snapshots] = args.filter((a) => a !== '--split').map(Number);
    await main(commands ?? 3000, snapshots ?? 100, split);
  }
}
