/**
 * The mqtt section: its settings reach the typed config with the files read; a bad URL, a
 * missing or too-open file, an inline secret are refused with file:line and the fix.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from './load.js';
import { ConfigError, formatProblem } from './problems.js';

const dir = mkdtempSync(join(tmpdir(), 'config-mqtt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FILE = join(dir, 'gateway.yaml');
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** A file whose mqtt section starts at line 3 (its first setting at line 4). */
const yaml = (mqtt: string): string => `version: 1\ngateway: { prefix: "2001:db8::/64" }\nmqtt:\n${mqtt}devices:\n  - { name: t, kind: thermometer, part: tmp102, i2c: { bus: 1, address: 0x48 } }\n`;

function problemsOf(text: string): string[] {
  try {
    parseGatewayConfig(text, FILE);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map(formatProblem);
  }
  throw new Error('the configuration was accepted');
}

function file(name: string, text: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

describe('mqtt section', () => {
  it('reads the password and PEM files (relative to the config file) into the settings, no warning over mqtts://', () => {
    file('pw', 'hunter2\n');
    file('ca.pem', PEM, 0o644);
    file('client.pem', PEM, 0o644);
    file('client.key', PEM.replaceAll('CERTIFICATE', 'PRIVATE KEY'));
    const c = parseGatewayConfig(
      yaml('  url: mqtts://broker.example.net:8883\n  prefix: site/b1\n  username: gw\n  passwordFile: pw\n  caFile: ca.pem\n  certFile: client.pem\n  keyFile: client.key\n  maxQueueMessages: 500\n  drainRatePerSec: 50\n  homeAssistant: { enabled: true }\n'),
      FILE,
    );
    expect(c.mqtt).toMatchObject({ url: 'mqtts://broker.example.net:8883', prefix: 'site/b1', username: 'gw', password: 'hunter2', ca: PEM, cert: PEM, maxQueueMessages: 500, drainRatePerSec: 50, homeAssistant: { enabled: true } });
    expect(c.mqtt?.key).toContain('PRIVATE KEY');
    expect(c.mqtt?.files).toEqual({ passwordFile: join(dir, 'pw'), caFile: join(dir, 'ca.pem'), certFile: join(dir, 'client.pem'), keyFile: join(dir, 'client.key') });
    expect(c.warnings).toEqual([]);
  });

  it('a url alone is enough; a password over plain mqtt:// is a warning', () => {
    expect(parseGatewayConfig(yaml('  url: mqtt://127.0.0.1:1883\n'), FILE).mqtt).toEqual({ url: 'mqtt://127.0.0.1:1883', files: {} });
    file('pw2', 'secret\n');
    const c = parseGatewayConfig(yaml('  url: mqtt://127.0.0.1:1883\n  username: gw\n  passwordFile: pw2\n'), FILE);
    expect(c.warnings.map(formatProblem)).toEqual([`${FILE}:4: warning: mqtt.url: the MQTT password travels unencrypted over mqtt://; use mqtts:// (and caFile) unless the broker is on this host`]);
  });

  it('a bad url names file:line and the fix', () => {
    expect(problemsOf(yaml('  url: http://broker:1883\n'))).toEqual([expect.stringMatching(new RegExp(`^${FILE}:4: mqtt.url: "http://broker:1883" is not valid here; the broker, mqtt://host:port or with TLS mqtts://host:port; no user or password in it`))]);
    expect(problemsOf(yaml('  url: "mqtt://gw:hunter2@broker:1883"\n'))).toEqual([`${FILE}:4: mqtt.url: the URL holds a user name or password; remove it from the URL: write username, and the password in a file named by passwordFile`]);
    expect(problemsOf(yaml('  url: "mqtt://"\n'))).toEqual([`${FILE}:4: mqtt.url: "mqtt://" names no broker host; write it as mqtt://host:1883 or mqtts://host:8883`]);
  });

  it('a missing caFile, a TLS file with mqtt://, a password file others can read: each with file:line', () => {
    expect(problemsOf(yaml('  url: mqtts://broker:8883\n  caFile: nowhere/ca.pem\n'))).toEqual([
      `${FILE}:5: mqtt.caFile: cannot read ${join(dir, 'nowhere/ca.pem')} (ENOENT); check the path (a relative path starts from this file's folder)`,
    ]);
    file('ca2.pem', PEM, 0o644);
    expect(problemsOf(yaml('  url: mqtt://broker:1883\n  caFile: ca2.pem\n'))).toEqual([`${FILE}:5: mqtt.caFile: caFile is only used with TLS, and the url is mqtt://; write the url as mqtts://host:8883, or remove the TLS files`]);
    file('open-pw', 'x\n', 0o644);
    expect(problemsOf(yaml('  url: mqtts://broker:8883\n  username: gw\n  passwordFile: open-pw\n'))).toEqual([`${FILE}:6: mqtt.passwordFile: ${join(dir, 'open-pw')} has mode 0644: other users could read it; chmod 600 ${join(dir, 'open-pw')}`]);
    file('not-pem', 'hello', 0o644);
    expect(problemsOf(yaml('  url: mqtts://broker:8883\n  caFile: not-pem\n'))).toEqual([expect.stringContaining(`${FILE}:5: mqtt.caFile: ${join(dir, 'not-pem')} is not a PEM file`)]);
  });

  it('a password written inline or a section without url is refused', () => {
    expect(problemsOf(yaml('  url: mqtt://broker:1883\n  password: hunter2\n'))).toEqual([`${FILE}:5: mqtt: unknown setting "password"; did you mean passwordFile?`]);
    expect(problemsOf(`version: 1\ngateway: { prefix: "2001:db8::/64" }\nmqtt: {}\ndevices: []\n`)[0]).toMatch(new RegExp(`^${FILE}:3: mqtt: url is missing; add url: mqtt://127.0.0.1:1883`));
  });

  it('passes the format, the backoff, keepalive, in-flight and health settings; out of range, a ceiling below the floor, HA with ThingsBoard: refused with the fix', () => {
    const c = parseGatewayConfig(yaml('  url: mqtt://127.0.0.1:1883\n  format: thingsboard\n  maxInFlight: 20\n  reconnectMinMs: 500\n  reconnectMaxMs: 5000\n  reconnectJitter: 0.2\n  keepaliveSec: 15\n  healthIntervalMs: 10000\n'), FILE);
    expect(c.mqtt).toEqual({ url: 'mqtt://127.0.0.1:1883', format: 'thingsboard', maxInFlight: 20, reconnectMinMs: 500, reconnectMaxMs: 5000, reconnectJitter: 0.2, keepaliveSec: 15, healthIntervalMs: 10000, files: {} });
    expect(problemsOf(yaml('  url: mqtt://b:1883\n  format: sparkplug\n'))[0]).toMatch(new RegExp(`^${FILE}:5: mqtt.format: .*pia.*thingsboard`));
    expect(problemsOf(yaml('  url: mqtt://b:1883\n  reconnectJitter: 2\n'))[0]).toMatch(new RegExp(`^${FILE}:5: mqtt.reconnectJitter: .*1`));
    expect(problemsOf(yaml('  url: mqtt://b:1883\n  keepaliveSec: 70000\n'))[0]).toMatch(new RegExp(`^${FILE}:5: mqtt.keepaliveSec: .*65535`));
    expect(problemsOf(yaml('  url: mqtt://b:1883\n  reconnectMinMs: 5000\n  reconnectMaxMs: 1000\n'))).toEqual([`${FILE}:6: mqtt.reconnectMaxMs: the backoff's ceiling 1000 is below its floor reconnectMinMs 5000; make reconnectMaxMs at least 5000 (equal: every retry at the floor)`]);
    expect(problemsOf(yaml('  url: mqtt://b:1883\n  format: thingsboard\n  homeAssistant: { enabled: true }\n'))).toEqual([`${FILE}:6: mqtt.homeAssistant: Home Assistant discovery needs the pia topics, and format is thingsboard; remove homeAssistant, or set format: pia`]);
  });
});
