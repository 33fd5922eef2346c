import { describe, it, expect } from 'vitest';
import { SuiteId } from '../suites-ids.js';
import { parseEndpoint, parsePiaArgs, UsageError } from './args.js';
import { runPia } from './run-pia.js';

function capture(): { io: Parameters<typeof runPia>[1]; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, signal: new AbortController().signal },
    out: () => out,
    err: () => err,
  };
}

describe('pia arguments', () => {
  it('ping: defaults, and every option read', () => {
    expect(parsePiaArgs(['ping', '[2001:db8::1]:4600'])).toEqual({
      command: 'ping',
      target: { address: '2001:db8::1', port: 4600 },
      bind: { address: '::', port: 0 },
      count: 5,
      size: 56,
      timeoutMs: 3000,
      json: false,
    });
    expect(parsePiaArgs(['ping', '192.0.2.7', '--count', '20', '--size', '1200', '--suite', 'chacha20', '--timeout', '500', '--json', '--latch-file', '/tmp/l.json'])).toMatchObject({
      target: { address: '192.0.2.7', port: 4500 },
      count: 20,
      size: 1200,
      suites: [SuiteId.ChaCha20Poly1305],
      timeoutMs: 500,
      json: true,
      latchFile: '/tmp/l.json',
    });
  });

  it('listen: default [::]:4500, --bind forms, a suite list', () => {
    expect(parsePiaArgs(['listen'])).toMatchObject({ command: 'listen', bind: { address: '::', port: 4500 }, verbose: false });
    expect(parsePiaArgs(['listen'])).not.toHaveProperty('suites'); // the node's CPU order applies
    expect(parsePiaArgs(['listen', '--bind', '[::1]:0'])).toMatchObject({ bind: { address: '::1', port: 0 } });
    expect(parsePiaArgs(['listen', '--bind', ':4501'])).toMatchObject({ bind: { address: '::', port: 4501 } });
    expect(parsePiaArgs(['listen', '--bind', '127.0.0.1:4502', '--suite', 'chacha20,aes-gcm'])).toMatchObject({
      bind: { address: '127.0.0.1', port: 4502 },
      suites: [SuiteId.ChaCha20Poly1305, SuiteId.AesGcm256],
    });
  });

  it('endpoints: brackets, bare IPv6, IPv4, and refusals naming the problem', () => {
    const peer = { allowWildcard: false, minPort: 1 };
    expect(parseEndpoint('peer', '[fe80::1%eth0]:9', peer)).toEqual({ address: 'fe80::1%eth0', port: 9 });
    expect(parseEndpoint('peer', '2001:db8::5', peer)).toEqual({ address: '2001:db8::5', port: 4500 });
    expect(() => parseEndpoint('peer', 'gateway.local:4500', peer)).toThrow(/'gateway.local' is not an IPv6 or IPv4 address \(host names are not resolved/);
    expect(() => parseEndpoint('peer', '[::]:4500', peer)).toThrow(/unspecified address names no peer/);
    expect(() => parseEndpoint('peer', '[ff02::1]:4500', peer)).toThrow(/multicast/);
    expect(() => parseEndpoint('peer', '239.1.2.3:4500', peer)).toThrow(/multicast/);
    expect(() => parseEndpoint('peer', '[::1]:0', peer)).toThrow(/port '0' must be a whole number 1–65535/);
    expect(() => parseEndpoint('peer', '[::1]:70000', peer)).toThrow(/port '70000'/);
  });

  it('link-local zones: kept as written when they name an interface, refused when they cannot', () => {
    const peer = { allowWildcard: false, minPort: 1 };
    const bind = { allowWildcard: true, minPort: 0 };
    expect(parseEndpoint('peer', 'fe80::1%eth0', peer)).toEqual({ address: 'fe80::1%eth0', port: 4500 });
    expect(parseEndpoint('peer', '[fe80::1%3]:4600', peer)).toEqual({ address: 'fe80::1%3', port: 4600 });
    expect(parseEndpoint('--bind', '[fe80::a%pia0a1b2c3a]:0', bind)).toEqual({ address: 'fe80::a%pia0a1b2c3a', port: 0 });
    // without brackets the port would be read as part of the zone and the default port used
    expect(() => parseEndpoint('peer', 'fe80::1%eth0:4600', peer)).toThrow(/'fe80::1%eth0:4600': an IPv6 address with a zone and a port needs brackets: \[fe80::1%eth0\]:4600/);
    expect(() => parseEndpoint('peer', '[fe80::1%]:4500', peer)).toThrow(/zone '%' is not an interface name or index/);
    expect(() => parseEndpoint('peer', '[fe80::1%a-name-too-long-for-linux]', peer)).toThrow(/zone '%a-name-too-long-for-linux' is not an interface name/);
    expect(() => parseEndpoint('peer', '[fe80::1%eth/0]', peer)).toThrow(/zone '%eth\/0'/);
    expect(() => parseEndpoint('peer', '192.0.2.1%eth0', peer)).toThrow(/is not an IPv6 or IPv4 address/);
  });

  const refusals: ReadonlyArray<[string[], RegExp]> = [
    [[], /no command given; write 'pia listen' or 'pia ping \[ADDR\]:PORT'/],
    [['serve'], /unknown command 'serve'; write one of: listen, ping/],
    [['ping'], /ping: no peer given; write 'pia ping \[ADDR\]:PORT'/],
    [['ping', '[::1]:4500', '--count', '0'], /--count 0: must be a whole number 1–1000000/],
    [['ping', '[::1]:4500', '--size', '3'], /--size 3: must be a whole number 4–65000/],
    [['ping', '[::1]:4500', '--timeout', 'soon'], /--timeout soon: must be a whole number/],
    [['ping', '[::1]:4500', '--suite', 'aes-cbc'], /--suite aes-cbc: 'aes-cbc' is not a suite name; write aes-gcm or chacha20/],
    [['listen', '--suite', 'chacha20-poly1305'], /--suite chacha20-poly1305: 'chacha20-poly1305' is not a suite name; did you mean chacha20\? \(a comma-separated list, preferred first\)/],
    [['listen', '--suite', ''], /--suite : '' is not a suite name/],
    [['ping', '[::1]:4500', '--suite', 'aes-gcm,chacha20'], /ping offers one suite/],
    [['ping', '[::1]:4500', '--verbose'], /--verbose does not apply to 'pia ping'/],
    [['listen', '--count', '3'], /--count does not apply to 'pia listen'/],
    [['listen', '[::1]:4500'], /'pia listen' takes --bind/],
    [['listen', '--suite', 'aes-gcm,aes-gcm'], /'aes-gcm' is listed twice/],
    [['ping', '2001:db8::1:4500:x'], /an IPv6 address with a port needs brackets/],
    [['ping', '[::1]:4500', '--frobnicate'], /unknown option '--frobnicate'; run 'pia --help'/],
    [['ping', '[::1]:4500', '--count'], /--count needs a value/],
    [['ping', '[::1]:4500', '--latch-file', ''], /--latch-file is empty/],
  ];
  for (const [args, message] of refusals) {
    it(`refuses 'pia ${args.join(' ')}' with exit 2 and a one-line reason`, async () => {
      expect(() => parsePiaArgs(args)).toThrow(UsageError);
      const c = capture();
      expect(await runPia(args, c.io)).toBe(2);
      expect(c.err()).toMatch(message);
      expect(c.err().trim().split('\n')).toHaveLength(1);
      expect(c.out()).toBe('');
    });
  }

  it('--help prints the usage with the exit codes, exit 0', async () => {
    const c = capture();
    expect(await runPia(['--help'], c.io)).toBe(0);
    expect(c.out()).toMatch(/pia ping \[ADDR\]:PORT/);
    for (const code of ['0  ok', '1  no answer', '2  bad arguments', '3  unreachable', '4  refused']) expect(c.out()).toContain(code);
  });
});
