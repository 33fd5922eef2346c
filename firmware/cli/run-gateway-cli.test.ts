/** `pia-gateway` in-process: check, discover, the subcommand table, exit codes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { createVirtualBuilding } from '../../simulator/index.js';
import { deriveDeviceAddresses } from '../addressing/index.js';
import { ExitCode } from './exit-codes.js';
import type { GatewayCliIo, Subcommand } from './io.js';
import { runGatewayCli } from './run-gateway-cli.js';
import { SUBCOMMANDS } from './subcommands.js';

const DEMO = fileURLToPath(new URL('../config/examples/demo-building.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pia-gateway-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(extra: Partial<GatewayCliIo> = {}): GatewayCliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
    ...extra,
  };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GATEWAY_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe('pia-gateway check', () => {
  it('the demo file: OK, the device summary and loopback ports (no ID to derive addresses from), exit 0', async () => {
    const o = io();
    expect(await runGatewayCli(['check', '--config', DEMO], o)).toBe(ExitCode.Ok);
    expect(o.err()).toBe('');
    expect(o.out()).toMatch(/^.*demo-building\.yaml: OK, 10 devices \(4 thermometers, 1 fan, 1 door, 1 safe, 1 lighting, 1 hvac, 1 camera\)\n/);
    expect(o.out()).toMatch(/device addresses: not shown \(no gateway\.id, and .*credential\.json is not readable here\)/);
    expect(o.out()).toMatch(/^ {2}rack-temp +thermometer +loopback \[::1\]:5683$/m);
    expect(o.out()).toMatch(/^ {2}lobby-camera +camera +loopback \[::1\]:5692$/m);
  });

  it('with the gateway ID (from the credential file) it prints each device\'s derived address', async () => {
    file('credential.json', JSON.stringify({ format: 'pia-credential', id: GATEWAY_ID.toUpperCase(), key: 'never shown' }));
    const config = file('with-credential.yaml', `version: 1\ngateway:\n  prefix: 2001:db8:42:1::/64\n  addressing: add-addresses\n  credential: credential.json\ndevices:\n  - { name: rack-temp, kind: thermometer, part: sht31, i2c: { bus: 1, address: 0x44 } }\n  - { name: rack-fan, kind: fan, pwm: { chip: 0, channel: 0 }, tachLine: 6 }\n`);
    const o = io();
    expect(await runGatewayCli(['check', '--config', config], o)).toBe(ExitCode.Ok);
    const [temp, fan] = deriveDeviceAddresses({ prefix: '2001:db8:42:1::/64', gatewayId: GATEWAY_ID, deviceNames: ['rack-temp', 'rack-fan'] });
    expect(o.out()).toContain(`device addresses (prefix 2001:db8:42:1::/64, gateway ${GATEWAY_ID}, addressing add-addresses):\n`);
    expect(o.out()).toMatch(new RegExp(`^  rack-temp  thermometer  ${temp!.address}$`, 'm'));
    expect(o.out()).toMatch(new RegExp(`^  rack-fan   fan          ${fan!.address}$`, 'm'));
    expect(o.out() + o.err()).not.toContain('never shown');
  });

  it('an invalid file: every problem on stderr as file:line, then a count; exit 1', async () => {
    const config = file('bad.yaml', `version: 1\ngateway:\n  prefix: 2001:db8::/64\ndevices:\n  - { name: a, kind: fan, pwm: { chip: 0, channel: 0 }, tachLine: 6, temperature: { source: b, thresholdC: 30 } }\n  - { name: a, kind: lighting, relayLine: 6 }\nmqtt: {}\n`);
    const o = io();
    expect(await runGatewayCli(['check', '--config', config], o)).toBe(ExitCode.Invalid);
    expect(o.out()).toBe('');
    expect(o.err().split('\n')).toEqual([
      `${config}:5: device "a": temperature.source: no device is named "b"; name a thermometer of this gateway; there is no thermometer in this file: add one`,
      `${config}:6: device "a": name: the name "a" is taken by the device at line 5; give every device its own name (its address and CoAP paths come from it)`,
      `${config}:6: device "a": relayLine: GPIO6 is taken by device "a" (line 5) as tachLine; one GPIO line drives or reads one thing: wire this one to a free line and write its BCM number`,
      `${config}:7: mqtt: url is missing; add url: mqtt://127.0.0.1:1883 (the broker, mqtt://host:port or with TLS mqtts://host:port; no user or password in it: use username and passwordFile)`,
      `${config}: 4 errors: not usable`,
      '',
    ]);
  });

  it('--hardware: what this host lacks → exit 3; everything present → exit 0', async () => {
    const lacking = io({ hostProbe: { exists: () => false, readText: () => undefined } });
    expect(await runGatewayCli(['check', '--config', DEMO, '--hardware'], lacking)).toBe(ExitCode.HostMissing);
    expect(lacking.err()).toMatch(/demo-building\.yaml:\d+: device "rack-temp": i2c\.bus: \/dev\/i2c-1 does not exist; enable I2C/);
    expect(lacking.err()).toMatch(/this host lacks 5 things the file names\n$/);
    const present = io({ hostProbe: { exists: () => true, readText: (p) => (p.endsWith('/npwm') ? '2\n' : '') } });
    expect(await runGatewayCli(['check', '--config', DEMO, '--hardware'], present)).toBe(ExitCode.Ok);
    expect(present.out()).toMatch(/host: every bus, channel, line and port named is present\n$/);
  });

  it('usage errors: exit 2 naming the argument', async () => {
    const cases: Array<[string[], string]> = [
      [['check'], "pia-gateway check: --config is missing; write 'pia-gateway check --config /etc/pia-gateway/gateway.yaml'\n"],
      [['check', '--config'], "pia-gateway check: --config needs a value: --config VALUE (see 'pia-gateway check --help')\n"],
      [['check', '--config', DEMO, '--verbose'], "pia-gateway check: unknown option '--verbose'; run 'pia-gateway check --help' for its options\n"],
      [['check', DEMO], `pia-gateway check: unexpected argument '${DEMO}'; options start with -- (see 'pia-gateway check --help')\n`],
      [['discover', '--bus', 'one'], 'pia-gateway discover: --bus one: must be a bus number 0–255 (the N of /dev/i2c-N), e.g. --bus 1\n'],
      [['discover', '--simulated', '--bus', '5'], 'pia-gateway discover: --bus 5: the virtual building has buses 0 and 1\n'],
      [['chek'], "pia-gateway: unknown command 'chek'; write one of: run, check, discover (see 'pia-gateway --help')\n"],
    ];
    for (const [args, message] of cases) {
      const o = io();
      expect(await runGatewayCli(args, o), args.join(' ')).toBe(ExitCode.Usage);
      expect(o.err()).toBe(message);
    }
    const none = io();
    expect(await runGatewayCli([], none)).toBe(ExitCode.Usage);
    expect(none.err()).toMatch(/^pia-gateway: the PIA gateway/);
  });

  it('--help lists every subcommand and the exit codes', async () => {
    const o = io();
    expect(await runGatewayCli(['--help'], o)).toBe(ExitCode.Ok);
    for (const s of SUBCOMMANDS) expect(o.out()).toContain(`  pia-gateway ${s.name}`);
    expect(o.out()).toMatch(/exit codes:\n {2}0 {2}ok\n[\s\S]*3 {2}check --hardware/);
    // Every code the program can return is in --help and in the README's table.
    const readme = readFileSync(fileURLToPath(new URL('../config/README.md', import.meta.url)), 'utf8');
    for (const code of Object.values(ExitCode)) {
      expect(o.out()).toMatch(new RegExp(`\\n {2}${code} {2}\\S`));
      expect(readme).toMatch(new RegExp(`^\\| ${code} \\| \\S`, 'm'));
    }
    const sub = io();
    expect(await runGatewayCli(['check', '--help'], sub)).toBe(ExitCode.Ok);
    expect(sub.out()).toMatch(/^usage:\n {2}pia-gateway check --config FILE \[--hardware\]/);
  });
});

describe('pia-gateway discover', () => {
  it('--simulated: the virtual building\'s thermometers as YAML, exit 0', async () => {
    const o = io();
    expect(await runGatewayCli(['discover', '--simulated', '--bus', '1'], o)).toBe(ExitCode.Ok);
    expect(o.out()).toMatch(/^# i2c-1: 5 parts$/m);
    expect(o.out().match(/^ {2}- name: /gm)).toHaveLength(4);
    expect(o.err()).toBe('');
  });

  it('real buses through the injected opener: a missing bus is reported and the others scanned; none → exit 1', async () => {
    const clock = new ManualClock();
    const building = createVirtualBuilding({ clock });
    const openI2cBus = (n: number): Promise<NonNullable<ReturnType<typeof building.host.i2c.get>>> => {
      const bus = building.host.i2c.get(n);
      return bus === undefined ? Promise.reject(new I2cError('no-bus', n, undefined, `/dev/i2c-${n} does not exist`)) : Promise.resolve(bus);
    };
    const o = io({ clock, openI2cBus, listI2cBuses: () => [0, 9] });
    expect(await clock.settle(runGatewayCli(['discover'], o))).toBe(ExitCode.Ok);
    expect(o.out()).toMatch(/^# {3}0x50 24C32 HAT ID EEPROM/m);
    expect(o.err()).toMatch(/^pia-gateway discover: i2c-9 not scanned: i2c-9: \/dev\/i2c-9 does not exist \(no-bus\)/);
    const failing = io({ clock, openI2cBus, listI2cBuses: () => [7] });
    expect(await runGatewayCli(['discover'], failing)).toBe(ExitCode.Invalid);
    const empty = io({ listI2cBuses: () => [] });
    expect(await runGatewayCli(['discover'], empty)).toBe(ExitCode.Invalid);
    expect(empty.err()).toMatch(/no I2C bus on this host .*try 'pia-gateway discover --simulated'/);
    await building.close();
  });
});

describe('the subcommand table is the extension point', () => {
  it('a "run" subcommand added to the table takes `pia-gateway --config F` and `pia-gateway run …`', async () => {
    const seen: string[][] = [];
    const run: Subcommand = { name: 'run', usage: 'pia-gateway run --config FILE', summary: 'the gateway', run: (args) => (seen.push([...args]), Promise.resolve(0)) };
    const table = [...SUBCOMMANDS.filter((s) => s.name !== 'run'), run];
    expect(await runGatewayCli(['--config', DEMO], io(), table)).toBe(0);
    expect(await runGatewayCli(['run', '--config', DEMO], io(), table)).toBe(0);
    expect(seen).toEqual([['--config', DEMO], ['--config', DEMO]]);
    const help = io();
    await runGatewayCli(['--help'], help, table);
    expect(help.out()).toContain('  pia-gateway run --config FILE\n');
  });
});
