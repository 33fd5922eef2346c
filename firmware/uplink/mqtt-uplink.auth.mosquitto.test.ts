/**
 * The uplink authenticating to a real Mosquitto: a client certificate on a TLS
 * listener that requires one, and a username with a password from mosquitto_passwd. A refused
 * login keeps the messages queued and says what to check.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import { createUplink, type MqttUplink, type UplinkConfig } from './index.js';
import { freePort, TestBroker } from './test-support/mosquitto.js';
import { uplinkRig } from './test-support/rig.js';
import { memoryLogger, subscribe, until } from './test-support/subscriber.js';
import { issueClientCert, makeTestCa } from './test-support/test-ca.js';

const rig = uplinkRig('auth');
const { tracker, open } = rig;

function uplink(config: UplinkConfig, name: string): MqttUplink {
  const u = createUplink({ config: { reconnectMinMs: 200, reconnectMaxMs: 1000, ...config }, queueFile: join(rig.dir(), `${name}.db`), clock: systemClock(), logger: memoryLogger(), gatewayId: name });
  open.uplinks.push(u);
  return u;
}

const alarm = { device: 'door1', kind: 'forced-door', severity: 'alarm', message: 'forced', at: '2030-01-01T00:00:00.001Z', by: 'device' } as const;

describe('MqttUplink authentication', () => {
  it('logs in with a client certificate where the broker requires one; without it the broker refuses and the message stays queued', async () => {
    const dir = rig.dir();
    const ca = makeTestCa(dir, 'site');
    const gw = issueClientCert(dir, 'site', 'gw-cert');
    const reader = issueClientCert(dir, 'site', 'reader');
    const broker = new TestBroker(tracker, await freePort(), {
      listenerLines: [`cafile ${ca.caFile}`, `certfile ${ca.certFile}`, `keyfile ${ca.keyFile}`, 'require_certificate true', 'use_identity_as_username true'],
      allowAnonymous: false,
    });
    await broker.start();
    const url = `mqtts://127.0.0.1:${broker.port}`;
    const sub = await subscribe(url, ['pia/#'], { clientId: 'cert-reader', clean: true, ca: ca.ca, ...reader });
    open.subs.push(sub);

    const good = uplink({ url, ca: ca.ca, cert: gw.cert, key: gw.key }, 'gw-cert');
    good.publishEvent(alarm);
    await until(() => sub.received.some((r) => r.topic === 'pia/gw-cert/door1/event'), 'the event from the gateway with a certificate');

    const without = uplink({ url, ca: ca.ca }, 'gw-nocert');
    without.publishEvent(alarm);
    await until(() => without.health().lastError !== undefined, 'the refusal');
    expect(without.health()).toMatchObject({ queueDepth: 1 });
    expect(without.health().state).not.toBe('connected');
    expect(sub.received.some((r) => r.topic.startsWith('pia/gw-nocert/'))).toBe(false);
  });

  it('logs in with a username and password; a wrong password is refused with an error that names what to check', async () => {
    const dir = rig.dir();
    const passwords = join(dir, 'passwords');
    execFileSync('mosquitto_passwd', ['-b', '-c', passwords, 'gw', 'right-horse-battery'], { stdio: 'pipe' });
    execFileSync('mosquitto_passwd', ['-b', passwords, 'reader', 'reader-pw'], { stdio: 'pipe' });
    const broker = new TestBroker(tracker, await freePort(), { listenerLines: [`password_file ${passwords}`], allowAnonymous: false });
    await broker.start();
    const sub = await subscribe(broker.url, ['pia/#'], { clientId: 'pw-reader', clean: true, username: 'reader', password: 'reader-pw' });
    open.subs.push(sub);

    const good = uplink({ url: broker.url, username: 'gw', password: 'right-horse-battery' }, 'gw-pw');
    good.publishEvent(alarm);
    await until(() => sub.received.some((r) => r.topic === 'pia/gw-pw/door1/event'), 'the event from the gateway that logged in');

    const wrong = uplink({ url: broker.url, username: 'gw', password: 'Tr0ub4dor-not-it' }, 'gw-badpw');
    wrong.publishEvent(alarm);
    await until(() => wrong.health().lastError !== undefined, 'the refusal');
    expect(wrong.health().lastError).toMatch(/not authori[sz]ed|bad user ?name or password/i);
    expect(wrong.health().lastError).toMatch(/mqtt\.username.*mqtt\.passwordFile/);
    expect(wrong.health().lastError).not.toContain('Tr0ub4dor'); // a password is never in an error
    expect(wrong.health()).toMatchObject({ queueDepth: 1 });
  });
});
