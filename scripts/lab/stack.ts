/**
 * The real programs on the lab's hosts (docs/lab.md): `pia-trust serve` on trust, the two
 * `pia-gateway run --simulated` on dc and building, and the registrations an administrator
 * makes with the `pia-trust` CLI (docs/trust-server.md, docs/mynet-manager.md "owners").
 *
 * Flow:
 *  1. `pia-trust serve` in trust: PIA on [::]:4500, credentials naming the trust host's
 *     address (--advertise), the admin API on 127.0.0.1 inside trust (the CLI runs there too);
 *  2. accounts: owners "carol" and "dave" (MyNet Manager), their passwords in 0600 files;
 *  3. nodes (`pia-trust node add … --out FILE`): the two gateways (the building's
 *     owned by carol), and the operators: alice (data-center operator), bob (building
 *     monitor), carol-phone and dave-phone (owned by carol and dave);
 *  4. grants: alice read+control on every dc device, bob read on every building device,
 *     carol-phone read+control on the building (carol's own gateway); dave-phone none
 *     (steps 2–4 as two batches of `pia-trust` commands, each one process: pia-trust-batch.ts);
 *  5. gateway.yaml for each (gateway-configs.ts: the host's link /64) and both gateways started
 *     at once; ready when each logs "serving N device(s) … PIA on [ADDR]:4500".
 *
 * Must hold: every program is a separate process in its host's namespace (lab.start), so
 * `lab.remove()` ends them all; a step that fails throws with the program's own output.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LAB_DEVICES, writeLabGatewayConfig, type LabGatewayName } from './gateway-configs.js';
import { tsxArgv, type Lab, type LabRunResult } from './topology.js';

export type OperatorName = 'alice' | 'bob' | 'carol-phone' | 'dave-phone';

export interface LabGateway {
  readonly id: string;
  /** Its PIA endpoint as piactl's --gateway takes it: [ADDR]:4500 (the `_gateway` address). */
  readonly pia: string;
  readonly address: string;
  readonly stateDir: string;
  /** Each device's own address (`pia-gateway check`), where plain CoAP reaches it. */
  readonly devices: Readonly<Record<string, string>>;
}

export interface LabStack {
  readonly dir: string;
  readonly trustState: string;
  readonly gateways: Record<LabGatewayName, LabGateway>;
  readonly operators: Record<OperatorName, { readonly id: string; readonly credential: string }>;
  /** ms from the first program's start: trust serving, registrations done, both gateways serving. */
  readonly timings: { readonly trustReadyMs: number; readonly registeredMs: number; readonly gatewaysReadyMs: number };
  /** `pia-trust ARGS… --state DIR` in the trust host; throws unless it exits 0. */
  admin(args: readonly string[]): Promise<string>;
}

const OPERATORS: ReadonlyArray<{ name: OperatorName; owner?: string }> = [
  { name: 'alice' },
  { name: 'bob' },
  { name: 'carol-phone', owner: 'carol' },
  { name: 'dave-phone', owner: 'dave' },
];

/** The prefix of a host's link, from its address (`P:N::2` → `P:N::/64`). */
export function linkPrefix(address: string): string {
  return `${address.replace(/::2$/, '')}::/64`;
}

export async function startLabStack(lab: Lab, dir: string): Promise<LabStack> {
  const t0 = performance.now();
  const trustState = join(dir, 'trust');
  const trust = lab.start('trust', tsxArgv('trust-server/cli/pia-trust.ts', ['serve', '--state', trustState, '--pia', '[::]:4500', '--advertise', `[${lab.hosts.trust.address}]:4500`, '--admin', '127.0.0.1:4580']), { name: 'pia-trust serve' });
  await trust.waitFor(/admin API on /, 30_000);
  const trustReadyMs = performance.now() - t0;

  const admin = async (args: readonly string[]): Promise<string> => {
    const r: LabRunResult = await lab.run('trust', tsxArgv('trust-server/cli/pia-trust.ts', [...args, '--state', trustState]), { name: `pia-trust ${args.slice(0, 2).join(' ')}`, timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`lab: 'pia-trust ${args.join(' ')}' exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const idOf = (out: string): string => {
    const id = /node (\S+) \(/.exec(out)?.[1];
    if (id === undefined) throw new Error(`lab: pia-trust node add printed no node ID: ${out}`);
    return id;
  };

  /** Several `pia-trust` commands in one process (pia-trust-batch.ts); their outputs, in order. */
  const batch = async (commands: readonly (readonly string[])[]): Promise<string[]> => {
    const file = join(dir, `batch-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify(commands.map((c) => [...c, '--state', trustState])), { mode: 0o600 });
    const r: LabRunResult = await lab.run('trust', tsxArgv('scripts/lab/pia-trust-batch.ts', [file]), { name: 'pia-trust (batch)', timeoutMs: 60_000 });
    const results = r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { code: number; stdout: string; stderr: string });
    results.forEach((x, i) => {
      if (x.code !== 0) throw new Error(`lab: 'pia-trust ${commands[i]?.join(' ') ?? ''}' exited ${x.code}: ${x.stderr}${x.stdout}`);
    });
    if (r.code !== 0 || results.length !== commands.length) throw new Error(`lab: the pia-trust batch exited ${r.code} after ${results.length} of ${commands.length} commands: ${r.stderr}`);
    return results.map((x) => x.stdout);
  };

  const owners = ['carol', 'dave'].map((owner) => {
    const file = join(dir, `${owner}.password`);
    writeFileSync(file, `${owner}-lab-password-${randomBytes(9).toString('base64url')}\n`, { mode: 0o600 });
    return ['user', 'add', owner, '--role', 'owner', '--password-file', file];
  });
  const credential = (label: string): string => join(dir, `${label}.json`);
  const nodeAdd = (kind: 'gateway' | 'operator', label: string, owner?: string): string[] => ['node', 'add', '--kind', kind, '--label', label, '--out', credential(label), ...(owner === undefined ? [] : ['--owner', owner])];
  const added = await batch([...owners, nodeAdd('gateway', 'dc-gateway'), nodeAdd('gateway', 'building-gateway', 'carol'), ...OPERATORS.map((o) => nodeAdd('operator', o.name, o.owner))]);
  const [dcId, buildingId, ...operatorIds] = added.slice(owners.length).map(idOf);
  const operators = Object.fromEntries(OPERATORS.map((o, i) => [o.name, { id: operatorIds[i] ?? '', credential: credential(o.name) }])) as LabStack['operators'];
  const grant = (subject: string, gateway: string, rights: string): string[] => ['grant', 'add', '--subject', subject, '--gateway', gateway, '--devices', '*', '--rights', rights];
  await batch([grant(operators.alice.id, dcId ?? '', 'read,control'), grant(operators.bob.id, buildingId ?? '', 'read'), grant(operators['carol-phone'].id, buildingId ?? '', 'read,control')]);
  const registeredMs = performance.now() - t0;

  const start = async (name: LabGatewayName, id: string): Promise<LabGateway> => {
    const stateDir = join(dir, `${name}-state`);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const config = writeLabGatewayConfig(dir, { name, prefix: linkPrefix(lab.hosts[name].address), credential: credential(`${name}-gateway`), stateDir });
    const check = await lab.run(name, tsxArgv('firmware/cli/pia-gateway.ts', ['check', '--config', config]), { name: `pia-gateway check (${name})`, timeoutMs: 30_000 });
    if (check.code !== 0) throw new Error(`lab: 'pia-gateway check --config ${config}' exited ${check.code}: ${check.stderr}${check.stdout}`);
    const devices = Object.fromEntries([...check.stdout.matchAll(/^ {2}(\S+)\s+\S+\s+([0-9a-f:]+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const p = lab.start(name, tsxArgv('firmware/cli/pia-gateway.ts', ['run', '--config', config, '--simulated']), { name: `pia-gateway (${name})` });
    const m = await p.waitFor(new RegExp(`serving ${LAB_DEVICES[name].length} device\\(s\\): [^"]*PIA on \\[([0-9a-f:]+)\\]:4500`), 45_000);
    const address = m[1] ?? '';
    return { id, pia: `[${address}]:4500`, address, stateDir, devices };
  };
  const [dc, building] = await Promise.all([start('dc', dcId ?? ''), start('building', buildingId ?? '')]);
  return {
    dir,
    trustState,
    gateways: { dc, building },
    operators,
    timings: { trustReadyMs, registeredMs, gatewaysReadyMs: performance.now() - t0 },
    admin,
  };
}

/** `piactl --credential … --gateway … ARGS…` in the ops host, with its own known-gateways file. */
export function piactl(lab: Lab, stack: LabStack, as: OperatorName, gateway: LabGatewayName, args: readonly string[], env: Record<string, string> = {}): Promise<LabRunResult> {
  const o = stack.operators[as];
  return lab.run('ops', tsxArgv('operator/cli/piactl.ts', ['--credential', o.credential, '--gateway', stack.gateways[gateway].pia, '--gateway-id', stack.gateways[gateway].id, ...args]), {
    name: `piactl (${as})`,
    env: { XDG_CONFIG_HOME: join(stack.dir, `xdg-${as}`), ...env },
    timeoutMs: 40_000,
  });
}
