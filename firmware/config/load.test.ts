import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig, parseGatewayConfig } from './load.js';
import { ConfigError, formatProblem } from './problems.js';

const HEAD = `version: 1
gateway:
  prefix: 2001:db8:42:1::/64
devices:
`;

/** The formatted problems of a file that must be refused. */
function problemsOf(text: string, file = 'gateway.yaml'): string[] {
  try {
    parseGatewayConfig(text, file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.message).toBe(e.problems.map(formatProblem).join('\n'));
    return e.problems.map(formatProblem);
  }
  throw new Error('the configuration was accepted');
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('loadGatewayConfig: a valid file', () => {
  it('fills the gateway defaults, resolves paths from the file\'s folder, applies the plain policy', () => {
    const c = parseGatewayConfig(
      `${HEAD}  - name: rack-temp
    kind: thermometer
    part: sht31
    i2c: { bus: 1, address: 0x44 }
    plain: read-only
  - name: rack-fan
    kind: fan
    pwm: { chip: 0, channel: 0 }
    tachLine: 6
    temperature: { source: rack-temp, thresholdC: 35 }
`,
      '/etc/pia-gateway/gateway.yaml',
    );
    expect(c.gateway).toEqual({
      credential: '/var/lib/pia-gateway/credential.json',
      prefix: '2001:db8:42:1::/64',
      addressing: 'auto',
      interface: 'lo',
      piaPort: 4500,
      coapPort: 5683,
      adminListen: { address: '127.0.0.1', port: 9464 },
      auditLog: '/var/lib/pia-gateway/audit.log',
      stateDir: '/var/lib/pia-gateway',
    });
    expect(c.policy).toEqual({ plain: 'off' });
    expect(c.devices).toEqual([
      { name: 'rack-temp', kind: 'thermometer', part: 'sht31', i2c: { bus: 1, address: 0x44 }, plain: 'read-only', index: 0 },
      { name: 'rack-fan', kind: 'fan', pwm: { chip: 0, channel: 0 }, tachLine: 6, pulsesPerRevolution: 2, temperature: { source: 'rack-temp', thresholdC: 35 }, plain: 'off', index: 1 },
    ]);
    expect(c.warnings).toEqual([]);
    expect(c.source.lineOf(['devices', 1, 'tachLine'])).toBe(13);
  });

  it('takes every gateway setting; relative paths start from the file, the ID is lower-cased', () => {
    const c = parseGatewayConfig(
      `version: 1
gateway:
  id: 3F2504E0-4F89-41D3-9A0C-0305E82C3301
  credential: keys/gw.json
  trustServer: "[2001:db8::10]:4501"
  prefix: fd12:3456:789a:1::/64
  addressing: anyip-route
  interface: eth0
  piaPort: 4600
  coapPort: 5700
  adminListen: "[::1]:9000"
  auditLog: /var/log/pia/audit.log
  stateDir: state
policy: { plain: read-only }
devices: []
`,
      '/srv/gw/gateway.yaml',
    );
    expect(c.gateway).toEqual({
      id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
      credential: '/srv/gw/keys/gw.json',
      trustServer: { address: '2001:db8::10', port: 4501 },
      prefix: 'fd12:3456:789a:1::/64',
      addressing: 'anyip-route',
      interface: 'eth0',
      piaPort: 4600,
      coapPort: 5700,
      adminListen: { address: '::1', port: 9000 },
      auditLog: '/var/log/pia/audit.log',
      stateDir: '/srv/gw/state',
    });
    expect(c.policy.plain).toBe('read-only');
    expect(c.warnings.map(formatProblem)).toEqual(["/srv/gw/gateway.yaml:15: warning: no devices: the gateway will serve nothing; add devices ('pia-gateway discover' prints thermometers it finds)"]);
  });
});

describe('loadGatewayConfig: every problem, with file:line, the device and the fix', () => {
  it('collects all problems of a file in line order, schema and semantics alike', () => {
    const lines = problemsOf(`version: 1
gateway:
  prefix: 2001:db8:42::/48
  piaPort: "4500"
devices:
  - name: rack-temp
    kind: thermometer
    part: sht30
    i2c: { bus: 1, address: 0x44 }
  - name: rack1-fan
    kind: fan
    pwm: { chip: 0, chanel: 3 }
    tachLine: 6
    temperature: { source: inlet, thresholdC: 35 }
  - name: front-door
    kind: door
    relayLine: 6
    contactLine: 99
`);
    expect(lines).toEqual([
      'gateway.yaml:3: gateway.prefix: prefix "2001:db8:42::/48" is /48, device addresses need a /64 (RFC 4291 §2.5.1: 64-bit interface identifiers); write the /64 of the devices\' network, e.g. 2001:db8:42:1::/64 (or a ULA such as fd12:3456:789a:1::/64)',
      'gateway.yaml:4: gateway.piaPort: must be an integer, not "4500"; write the number without quotes',
      'gateway.yaml:8: device "rack-temp": part: "sht30" is not allowed; did you mean sht31?',
      'gateway.yaml:12: device "rack1-fan": pwm: channel is missing; add channel: 0 (the channel on that chip (pwmchipN/pwmX))',
      'gateway.yaml:12: device "rack1-fan": pwm: unknown setting "chanel"; did you mean channel?',
      'gateway.yaml:14: device "rack1-fan": temperature.source: no device is named "inlet"; name a thermometer of this gateway; thermometers here: rack-temp',
      'gateway.yaml:17: device "front-door": relayLine: GPIO6 is taken by device "rack1-fan" (line 10) as tachLine; one GPIO line drives or reads one thing: wire this one to a free line and write its BCM number',
      "gateway.yaml:18: device \"front-door\": contactLine: 99 is out of range: must be 0–53; the GPIO line of the door-position contact (BCM number 0–53; the 40-pin header has 0–27), e.g. 17",
    ]);
  });

  it('the semantic checks: names, part addresses, shared buses, PWM channels, serial lines, sources, register maps', () => {
    const lines = problemsOf(`${HEAD}  - { name: t1, kind: thermometer, part: mcp9808, i2c: { bus: 1, address: 0x40 } }
  - { name: t1, kind: thermometer, part: sht4x, i2c: { bus: 1, address: 0x46 } }
  - { name: t3, kind: thermometer, part: sht31, i2c: { bus: 1, address: 0x44 } }
  - { name: t4, kind: thermometer, part: sht4x, i2c: { bus: 1, address: 0x44 } }
  - { name: fan, kind: fan, pwm: { chip: 0, channel: 1 }, tachLine: 5, temperature: { source: lights, thresholdC: 30 } }
  - { name: lights, kind: lighting, relayLine: 23, dimmer: { chip: 0, channel: 1 } }
  - { name: fan2, kind: fan, pwm: { chip: 1, channel: 0 }, tachLine: 7, temperature: { source: fan2, thresholdC: 30 } }
  - { name: hvac1, kind: hvac, serial: { port: /dev/ttyUSB0, baudRate: 9600 }, unit: 15, registerMap: chiltrix-cxi }
  - { name: hvac2, kind: hvac, serial: { port: /dev/ttyUSB0, baudRate: 19200 }, unit: 16, registerMap: chiltrix-cxi }
  - { name: hvac3, kind: hvac, serial: { port: /dev/ttyUSB0, baudRate: 9600 }, unit: 15, registerMap: daikin }
  - { name: cam, kind: camera, serial: { port: /dev/ttyUSB0, baudRate: 38400 } }
  - { name: cam2, kind: camera, serial: { port: COM3, baudRate: 38400 } }
`);
    expect(lines).toEqual([
      "gateway.yaml:5: device \"t1\": i2c.address: an MCP9808 answers only at 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, not 0x40; fix the address or the part ('pia-gateway discover' lists what answers on the bus)",
      'gateway.yaml:6: device "t1": name: the name "t1" is taken by the device at line 5; give every device its own name (its address and CoAP paths come from it)',
      'gateway.yaml:8: device "t4": i2c.address: i2c-1 0x44 is taken by device "t3" (line 7) as i2c.address; two parts cannot share an address on one bus: strap one to its other address or put it on another bus',
      'gateway.yaml:9: device "fan": temperature.source: "lights" is a lighting, not a thermometer; name a thermometer; thermometers here: t1, t3, t4',
      'gateway.yaml:10: device "lights": dimmer: pwmchip0 channel 1 is taken by device "fan" (line 9) as pwm; one PWM channel drives one thing: use a free channel (dtoverlay=pwm-2chan gives pwmchip0 channels 0 and 1)',
      'gateway.yaml:11: device "fan2": temperature.source: a fan cannot be its own temperature source; name a thermometer; thermometers here: t1, t3, t4',
      'gateway.yaml:13: device "hvac2": serial: /dev/ttyUSB0 is shared with device "hvac1" (line 12) but with other line settings; units on one RS-485 line run at one baud rate, parity and stop bits: make them equal',
      'gateway.yaml:14: device "hvac3": unit: unit 15 on /dev/ttyUSB0 is taken by device "hvac1" (line 12); give each unit on one RS-485 line its own Modbus address (1–247), set on the unit',
      'gateway.yaml:14: device "hvac3": registerMap: no register map "daikin" in this build; write one of: chiltrix-cxi (a new unit type is a new map file in devices/hvac)',
      'gateway.yaml:15: device "cam": serial.port: /dev/ttyUSB0 is taken by device "hvac1" (line 12), and a camera needs its line to itself; give each camera its own serial port',
      'gateway.yaml:16: device "cam2": serial.port: "COM3" is neither a device path nor virtual:NAME; write the absolute path, preferably /dev/serial/by-id/… (stable across reboots), or virtual:NAME for the simulated building',
    ]);
  });

  it('gateway semantics: nil ID, endpoints, port clashes in loopback addressing; a public metrics port is a warning', () => {
    const lines = problemsOf(`version: 1
gateway:
  id: 00000000-0000-0000-0000-000000000000
  prefix: 2001:db8:42:1::/64
  trustServer: [2001:db8::10]
  adminListen: 0.0.0.0:9464
  coapPort: 4499
devices:
  - { name: a, kind: lighting, relayLine: 1 }
  - { name: b, kind: lighting, relayLine: 2 }
  - { name: c, kind: lighting, relayLine: 3 }
`);
    expect(lines).toEqual([
      'gateway.yaml:3: gateway.id: the all-zero UUID means "any node", not a gateway; write the gateway\'s own ID (the "id" in its credential file), or leave id out to take it from there',
      'gateway.yaml:5: gateway.trustServer: must be a string, not a list; put the value in quotes: YAML reads [ … ] as a list',
      'gateway.yaml:6: warning: gateway.adminListen: health and metrics are served on 0.0.0.0:9464, reachable from the network; keep 127.0.0.1:9464 unless a firewall or a scraper on another host needs it',
      'gateway.yaml:7: gateway.coapPort: loopback addressing gives the 3 devices ports 4499–4501 on [::1], which includes the PIA port 4500; move piaPort out of 4499–4501, or coapPort above 4500',
    ]);
    expect(problemsOf(`version: 1\ngateway: { prefix: "2001:db8::/64", piaPort: 5683 }\ndevices: []\n`)).toEqual([
      'gateway.yaml:2: gateway.piaPort: PIA and CoAP both on UDP port 5683; give them different ports (defaults: piaPort 4500, coapPort 5683)',
      "gateway.yaml:3: warning: no devices: the gateway will serve nothing; add devices ('pia-gateway discover' prints thermometers it finds)",
    ]);
  });

  it('a device without a valid name is named by its position; a missing kind lists the kinds', () => {
    expect(problemsOf(`${HEAD}  - name: Rack_Temp\n    kind: thermometer\n    part: sht31\n    i2c: { bus: 1, address: 0x44 }\n  - name: x\n`)).toEqual([
      "gateway.yaml:5: devices[0] (no valid name): name: \"Rack_Temp\" is not valid here; a DNS-label-like name: lower-case letters, digits and '-', starting with a letter, at most 63 characters, e.g. rack-temp",
      'gateway.yaml:9: device "x": kind is missing; add kind: thermometer (the kind of device; one of: thermometer, fan, door, safe, lighting, hvac, camera)',
    ]);
  });

  it('top level: version, a missing section, an unknown section, a safe with door-only settings', () => {
    expect(problemsOf(`version: 2\ngateway: { prefix: "2001:db8::/64" }\ndevice: []\n`)).toEqual([
      'gateway.yaml:1: devices is missing; add devices: [] (the devices attached to this gateway, each served on its own IPv6 address)',
      'gateway.yaml:1: version: must be 1, not 2; the format version of this file, e.g. 1',
      'gateway.yaml:3: unknown setting "device"; did you mean devices?',
    ]);
    expect(problemsOf(`${HEAD}  - { name: vault, kind: safe, relayLine: 24, contactLine: 25, exitLine: 22, lockType: fail-safe, maxUnlockSeconds: 600 }\n`)).toEqual([
      'gateway.yaml:5: device "vault": a safe has no setting "exitLine"; remove it; allowed here: name, kind, pollSeconds, plain, description, relayLine, contactLine, lockType, maxUnlockSeconds, heldOpenSeconds, relayActiveLow, contactOpenLevel',
      'gateway.yaml:5: device "vault": lockType: "fail-safe" is not allowed; write one of: fail-secure',
      'gateway.yaml:5: device "vault": maxUnlockSeconds: 600 is out of range: must be above 0 and at most 120; the longest unlock a command may ask for, in seconds, at most 120 (default 30), e.g. 30',
    ]);
  });

  it('an I2C address out of range is shown in hex', () => {
    expect(problemsOf(`${HEAD}  - { name: t, kind: thermometer, part: tmp102, i2c: { bus: 1, address: 0x90 } }\n`)).toEqual([
      "gateway.yaml:5: device \"t\": i2c.address: 0x90 is out of range: must be 0x03–0x77; the part's 7-bit address, 0x03–0x77 (write it in hex: 0x44), e.g. 0x44",
    ]);
  });

  it('YAML syntax errors and duplicate keys stop before the schema, each with its line', () => {
    expect(problemsOf(`version: 1\ngateway:\n  prefix: 2001:db8::/64\n  prefix: 2001:db8:1::/64\ndevices: []\n`)).toEqual(['gateway.yaml:4: Map keys must be unique; remove or rename the repeated key']);
    const [syntax] = problemsOf(`version: 1\ngateway:\n  trustServer: [2001:db8::10]:4500\ndevices: []\n`);
    expect(syntax).toMatch(/^gateway\.yaml:3: .+; fix the YAML: indent with spaces, and quote values that start with \[/);
  });

  it('an empty file and a missing file', () => {
    expect(problemsOf('# nothing yet\n')).toEqual(['gateway.yaml:1: the file is empty; start from firmware/config/examples/demo-building.yaml']);
    const err = (() => {
      try {
        loadGatewayConfig('/nonexistent/gateway.yaml');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('loaded');
    })();
    expect(err.message).toBe('/nonexistent/gateway.yaml:1: cannot read the file (ENOENT); check the path (examples: firmware/config/examples/demo-building.yaml)');
  });

  it('reads a real file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pia-gw-config-'));
    dirs.push(dir);
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, `${HEAD}  - { name: lamp, kind: lighting, relayLine: 23 }\n`);
    const c = loadGatewayConfig(file);
    expect(c.devices.map((d) => d.name)).toEqual(['lamp']);
    expect(c.gateway.credential).toBe('/var/lib/pia-gateway/credential.json');
    expect(c.source.file).toBe(file);
  });
});
