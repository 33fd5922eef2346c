/**
 * Legacy behaviour against the real libcoap (Debian libcoap3-bin, 4.3.x): a CoAP server that
 * has never heard of PIA answers a request carrying the discovery option normally (elective,
 * RFC 7252 §5.4.1) and does not echo it; the same value under the critical number 65001 is
 * refused with 4.02 Bad Option, which proves the server really parsed the option.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressFromText } from '../address.js';
import { PIA_DISCOVERY_OPTION, encodeDiscoveryOption } from './option.js';

const run = promisify(execFile);
let server: ChildProcess | undefined;
let port = 0;

beforeAll(async () => {
  port = await freeUdpPort();
  server = spawn('coap-server-notls', ['-A', '::1', '-p', String(port), '-v', '0'], { stdio: 'ignore' });
  await coapPingUntilAnswered(port);
});

afterAll(async () => {
  if (server === undefined || server.exitCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGTERM');
  await exited;
});

/** Sends a GET /.well-known/core with one extra option; returns the request and response lines the client logged. */
async function getWithOption(option: number, value: Uint8Array): Promise<{ request: string; response: string }> {
  const uri = `coap://[::1]:${port}/.well-known/core`;
  const args = ['-m', 'get', '-B', '1', '-v', '7', '-O', `${option},0x${Buffer.from(value).toString('hex')}`, uri];
  const { stdout, stderr } = await run('coap-client-notls', args, { timeout: 10_000 });
  const lines = `${stdout}\n${stderr}`.split('\n');
  const request = lines.find((l) => /^v:1 t:CON c:GET /.test(l));
  const response = lines.find((l) => /^v:1 t:(ACK|CON|NON) c:\d\.\d\d /.test(l));
  if (request === undefined || response === undefined) throw new Error(`coap-client-notls printed no request/response line:\n${stdout}\n${stderr}`);
  return { request, response };
}

describe('libcoap coap-server (a legacy CoAP peer)', () => {
  it('answers 2.05 to a request carrying the PIA discovery option and does not echo it', async () => {
    const value = encodeDiscoveryOption({ canInitiate: true, latched: false, port: 4500 });
    const { request, response } = await getWithOption(PIA_DISCOVERY_OPTION, value);
    expect(request).toContain(`65000:${libcoapEscaped(value)} `); // the option really went out, whole
    expect(response).toMatch(/ c:2\.05 /);
    expect(response).toContain('</time>'); // the normal link-format answer
    expect(response).not.toContain('65000');
  });

  it('answers 2.05 to the 20-byte form with an address', async () => {
    const value = encodeDiscoveryOption({ canInitiate: false, latched: true, port: 4500, address: addressFromText('2001:db8::42') });
    const { request, response } = await getWithOption(PIA_DISCOVERY_OPTION, value);
    expect(request).toContain(`65000:${libcoapEscaped(value)} `);
    expect(response).toMatch(/ c:2\.05 /);
  });

  it('refuses the same value as critical option 65001 with 4.02 Bad Option', async () => {
    const value = encodeDiscoveryOption({ canInitiate: true, latched: false, port: 4500 });
    const { response } = await getWithOption(PIA_DISCOVERY_OPTION + 1, value);
    expect(response).toMatch(/ c:4\.02 /);
    expect(response).toContain('Bad Option');
  });
});

/** How coap-client logs a binary option value: every byte as \xHH, upper-case hex. */
function libcoapEscaped(value: Uint8Array): string {
  return [...value].map((b) => `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp6');
  s.bind(0, '::1');
  await once(s, 'listening');
  const p = s.address().port;
  await new Promise<void>((resolve) => s.close(resolve));
  return p;
}

/** CoAP ping (RFC 7252 §4.3: an empty CON is answered with RST) until the server is up. */
async function coapPingUntilAnswered(p: number): Promise<void> {
  const s = createSocket('udp6');
  try {
    const answered = once(s, 'message');
    s.bind(0, '::1');
    await once(s, 'listening');
    for (let i = 0; i < 60; i++) {
      s.send(Uint8Array.from([0x40, 0x00, 0x12, i]), p, '::1');
      const t = new Promise((resolve) => setTimeout(resolve, 50, 'timeout'));
      if ((await Promise.race([answered, t])) !== 'timeout') return;
    }
    throw new Error(`coap-server-notls did not answer a CoAP ping on [::1]:${p} within 3 s`);
  } finally {
    s.close();
  }
}
