import { describe, expect, it } from 'vitest';
import { credentialPath, knownGatewaysPath, parsePiactlArgs, UsageError } from './args.js';
import { runPiactl } from './run-piactl.js';
import { USAGE } from './usage.js';

const env = { HOME: '/home/op' };
const GW = ['--gateway', '[2001:db8:b::1]:4500'];

function usage(args: readonly string[], e: Record<string, string> = env): string {
  try {
    parsePiactlArgs(args, e);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`no usage error for ${args.join(' ')}`);
}

describe('piactl arguments: what is read', () => {
  it('get by name with --gateway; the credential defaults to ~/.config/piactl/credential.json', () => {
    expect(parsePiactlArgs(['get', 'rack-fan/speed', ...GW], env)).toEqual({
      command: 'get',
      target: { kind: 'name', text: 'rack-fan/speed', device: 'rack-fan', resource: 'speed' },
      gateway: { address: '2001:db8:b::1', port: 4500 },
      credential: '/home/op/.config/piactl/credential.json',
      json: false,
      timeoutMs: 15_000,
      gatewayId: undefined,
      knownGateways: '/home/op/.config/piactl/known_gateways',
    });
  });

  it('a coap:// target: the gateway defaults to its address port 4500; options anywhere', () => {
    const c = parsePiactlArgs(['--json', 'get', 'coap://[2001:db8:42::f1]/rack-fan', '--timeout', '2500', '--credential', '/etc/op.json'], env);
    expect(c).toMatchObject({
      command: 'get',
      target: { kind: 'uri', uri: { to: { address: '2001:db8:42::f1', port: 5683 }, path: ['rack-fan'], query: [] } },
      gateway: { address: '2001:db8:42::f1', port: 4500 },
      credential: '/etc/op.json',
      json: true,
      timeoutMs: 2500,
    });
  });

  it('the environment: PIACTL_GATEWAY, PIACTL_CREDENTIAL, XDG_CONFIG_HOME; options win', () => {
    const e = { ...env, PIACTL_GATEWAY: '[::1]:4600', PIACTL_CREDENTIAL: '/run/op.json' };
    expect(parsePiactlArgs(['ls'], e)).toMatchObject({ command: 'ls', target: undefined, gateway: { address: '::1', port: 4600 }, credential: '/run/op.json' });
    expect(parsePiactlArgs(['ls', '--gateway', '192.0.2.7'], e)).toMatchObject({ gateway: { address: '192.0.2.7', port: 4500 } });
    expect(credentialPath(undefined, { HOME: '/h', XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/piactl/credential.json');
  });

  it("the gateway's ID: --gateway-id, else PIACTL_GATEWAY_ID (lower-cased); the known-gateways file: option, PIACTL_KNOWN_GATEWAYS, beside the credential", () => {
    const id = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const other = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';
    expect(parsePiactlArgs(['get', 'x/y', '--gateway-id', id.toUpperCase(), ...GW], env)).toMatchObject({ gatewayId: { id, from: '--gateway-id' } });
    expect(parsePiactlArgs(['ping', '[::1]'], { ...env, PIACTL_GATEWAY_ID: id })).toMatchObject({ command: 'ping', gatewayId: { id, from: 'PIACTL_GATEWAY_ID' }, knownGateways: '/home/op/.config/piactl/known_gateways' });
    expect(parsePiactlArgs(['ls', '--gateway-id', other, ...GW], { ...env, PIACTL_GATEWAY_ID: id })).toMatchObject({ gatewayId: { id: other, from: '--gateway-id' } });
    expect(parsePiactlArgs(['ls', ...GW], { ...env, PIACTL_GATEWAY_ID: '' })).toMatchObject({ gatewayId: undefined });
    expect(parsePiactlArgs(['ls', ...GW], { ...env, XDG_CONFIG_HOME: '/xdg' })).toMatchObject({ knownGateways: '/xdg/piactl/known_gateways', credential: '/xdg/piactl/credential.json' });
    expect(parsePiactlArgs(['ls', ...GW], { ...env, PIACTL_KNOWN_GATEWAYS: '/run/known' })).toMatchObject({ knownGateways: '/run/known' });
    expect(parsePiactlArgs(['ls', '--known-gateways', './k', ...GW], { ...env, PIACTL_KNOWN_GATEWAYS: '/run/known' })).toMatchObject({ knownGateways: './k' });
    expect(knownGatewaysPath(undefined, { HOME: '/h' })).toBe('/h/.config/piactl/known_gateways');
  });

  it('set: VALUE read as JSON (numbers, negatives, booleans, quoted strings), else the text', () => {
    const value = (v: string): unknown => (parsePiactlArgs(['set', 'x/y', v, ...GW], env) as { value: unknown }).value;
    expect(value('80')).toBe(80);
    expect(value('-2.5')).toBe(-2.5);
    expect(value('true')).toBe(true);
    expect(value('null')).toBe(null);
    expect(value('"80"')).toBe('80');
    expect(value('cool')).toBe('cool');
    expect(value('fan only')).toBe('fan only');
  });

  it('call and snapshot: NAME=VALUE parameters; watch --count; snapshot timeout 60 s; ping takes the gateway', () => {
    expect(parsePiactlArgs(['call', 'front-door/unlock', 'seconds=5', 'reason=visitor', 'log=false', ...GW], env)).toMatchObject({ params: { seconds: 5, reason: 'visitor', log: false } });
    expect(parsePiactlArgs(['watch', 'rack-temp/temperature', '-c', '10', ...GW], env)).toMatchObject({ command: 'watch', count: 10 });
    expect(parsePiactlArgs(['snapshot', 'cam/snapshot', '-o', 'a.jpg', 'size=large', ...GW], env)).toMatchObject({ output: 'a.jpg', query: ['size=large'], timeoutMs: 60_000 });
    expect(parsePiactlArgs(['ping', '[2001:db8::1]:4501'], env)).toMatchObject({ command: 'ping', gateway: { address: '2001:db8::1', port: 4501 } });
    expect(parsePiactlArgs(['ls', '[2001:db8:42::f1]', ...GW], env)).toMatchObject({ target: { kind: 'uri', uri: { to: { address: '2001:db8:42::f1' }, path: [] } } });
    expect(parsePiactlArgs(['--help'], env)).toEqual({ command: 'help' });
    expect(parsePiactlArgs(['help'], env)).toEqual({ command: 'help' });
  });
});

describe('piactl arguments: every refusal names the argument and the fix', () => {
  it.each([
    [[], /no command given; write one of: ls, get, set, call, watch, snapshot, ping, console, help/],
    [['frob'], /unknown command 'frob'; write one of: /],
    [['get', '--verbose'], /unknown option '--verbose'; run 'piactl --help'/],
    [['get', 'x', '--timeout'], /--timeout needs a value: --timeout VALUE/],
    [['get', ...GW], /get: no target given; write 'piactl get TARGET', e\.g\. 'piactl get rack-fan\/speed'/],
    [['get', 'rack-fan/speed'], /get: which gateway\? a name target \('rack-fan\/speed'\) is looked up at the gateway; give --gateway \[ADDR\]:PORT \(or set PIACTL_GATEWAY\), or use a coap:\/\/\[ADDR\]\/… target/],
    [['ls'], /ls: which gateway\? ls without a target asks the gateway for its listing; give --gateway/],
    [['get', 'a/b/c', ...GW], /target 'a\/b\/c': too many "\/" .*; write DEVICE or DEVICE\/RESOURCE/],
    [['get', '2001:db8::1', ...GW], /target '2001:db8::1': an address is not a name; write coap:\/\/\[ADDR\]\/DEVICE\/RESOURCE/],
    [['get', 'http://[::1]/x', ...GW], /target "http:\/\/\[::1\]\/x": scheme http is not supported; use coap:\/\//],
    [['get', 'coap://gateway.local/x'], /host "gateway.local" is not an IP address/],
    [['get', 'x/y', 'z', ...GW], /get: unexpected argument 'z'; write 'piactl get TARGET'/],
    [['set', 'x/y', ...GW], /set: no VALUE given; write 'piactl set x\/y VALUE', e\.g\. 80, true or cool/],
    [['set', 'x/y', '{"a":1}', ...GW], /VALUE '\{"a":1\}': a JSON object is not a device value; write a number, true\/false, null or a string/],
    [['set', 'x/y', '', ...GW], /VALUE is empty; write a number \(80\)/],
    [['call', 'x/y', 'seconds', ...GW], /parameter 'seconds': write NAME=VALUE, e\.g\. seconds=5/],
    [['call', 'x/y', '5s=1', ...GW], /'5s' is not a parameter name/],
    [['call', 'x/y', 'a=1', 'a=2', ...GW], /parameter 'a' is given twice; give each parameter once/],
    [['watch', 'x/y', '--count', '0', ...GW], /--count 0: must be a whole number 1–1000000000 \(values to print before stopping/],
    [['get', 'x/y', '--count', '3', ...GW], /--count does not apply to 'piactl get'; it belongs to 'piactl watch'/],
    [['get', 'x/y', '-o', 'f.jpg', ...GW], /--output does not apply to 'piactl get'; it belongs to 'piactl snapshot'/],
    [['snapshot', 'cam/snap', ...GW], /snapshot: no output file; write 'piactl snapshot cam\/snap -o FILE\.jpg'/],
    [['get', 'x/y', '--timeout', '1.5', ...GW], /--timeout 1\.5: must be a whole number 1–3600000 \(milliseconds for the PIA connection, then for each answer; default 15000\)/],
    [['get', 'x/y', '--gateway', 'gw.example:4500'], /--gateway 'gw\.example:4500': 'gw\.example' is not an IPv6 or IPv4 address .*; write \[2001:db8::1\]:4500/],
    [['ping'], /ping: which gateway\? write 'piactl ping \[ADDR\]:PORT'/],
    [['ping', '[::]:4500'], /ping '\[::\]:4500': the unspecified address names no peer/],
    [['get', 'x/y', '--credential', '', ...GW], /--credential is empty; give the credential file's path/],
    [['get', 'x/y', '--gateway-id', 'rack1-gw', ...GW], /--gateway-id 'rack1-gw' is not a node ID; write the gateway's ID as a UUID \(3f2504e0-4f89-41d3-9a0c-0305e82c3301\): 'pia-trust node list' shows it/],
    [['get', 'x/y', '--gateway-id', '00000000-0000-0000-0000-000000000000', ...GW], /--gateway-id is the all-zero ID \("any"\), which names no gateway; write the gateway's own ID/],
    [['get', 'x/y', ...GW, '--gateway-id'], /--gateway-id needs a value: --gateway-id VALUE/],
    [['get', 'x/y', '--known-gateways', '', ...GW], /--known-gateways is empty; give the known-gateways file's path, e\.g\. --known-gateways ~\/\.config\/piactl\/known_gateways/],
    [['ls', 'rack-fan/speed', ...GW], /ls 'rack-fan\/speed': ls lists a device or an address, not one resource; write 'piactl ls rack-fan' or 'piactl get rack-fan\/speed'/],
  ] as [string[], RegExp][])('%j', (args, message) => {
    expect(usage(args)).toMatch(message);
  });

  it('PIACTL_GATEWAY and PIACTL_GATEWAY_ID are checked and named like options', () => {
    expect(usage(['ls'], { ...env, PIACTL_GATEWAY: 'nonsense' })).toMatch(/^PIACTL_GATEWAY 'nonsense': 'nonsense' is not an IPv6 or IPv4 address/);
    expect(usage(['ls', ...GW], { ...env, PIACTL_GATEWAY_ID: 'gw-1' })).toMatch(/^PIACTL_GATEWAY_ID 'gw-1' is not a node ID; write the gateway's ID as a UUID/);
  });
});

describe('runPiactl without a gateway', () => {
  const capture = (): { io: Parameters<typeof runPiactl>[1]; out: () => string; err: () => string } => {
    let out = '';
    let err = '';
    return { io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, signal: new AbortController().signal, env }, out: () => out, err: () => err };
  };

  it('--help prints the usage with the exit code table; a usage error is exit 2 on stderr (and JSON with --json)', async () => {
    const h = capture();
    expect(await runPiactl(['--help'], h.io)).toBe(0);
    expect(h.out()).toBe(USAGE);
    for (const row of ['0    ok', '1    device error', '2    usage', '3    unreachable', '4    not authorized', '5    not found', '6    invalid']) expect(USAGE).toContain(`\n  ${row}`);
    const bad = capture();
    expect(await runPiactl(['get'], bad.io)).toBe(2);
    expect(bad.err()).toMatch(/^piactl: get: no target given; .*\n$/);
    expect(bad.out()).toBe('');
    const badJson = capture();
    expect(await runPiactl(['--gateway', '[::1]', 'set', 'x/y', '--json'], badJson.io)).toBe(2);
    expect(JSON.parse(badJson.out())).toMatchObject({ ok: false, command: 'set', exitCode: 2, error: expect.stringContaining('set: no VALUE given') as unknown });
    const badId = capture();
    expect(await runPiactl(['--gateway-id', 'x', '--known-gateways', 'k', 'get', 'x/y', '--json', ...GW], badId.io)).toBe(2);
    expect(JSON.parse(badId.out())).toMatchObject({ ok: false, command: 'get', exitCode: 2, error: expect.stringContaining("--gateway-id 'x' is not a node ID") as unknown });
    for (const option of ['--gateway-id', '--known-gateways']) expect(USAGE).toContain(`\n  ${option} `);
  });
});

describe('piactl console', () => {
  it('takes --gateway several times, --open, and the environment', () => {
    const c = parsePiactlArgs(['console', '--gateway', '127.0.0.1:4500', '--gateway', '[::1]:4501', '--open'], { HOME: '/home/x' });
    expect(c).toMatchObject({ command: 'console', open: true, gateways: [{ address: '127.0.0.1', port: 4500 }, { address: '::1', port: 4501 }] });
    expect(parsePiactlArgs(['console'], { HOME: '/home/x', PIACTL_GATEWAY: '[::1]:4500' })).toMatchObject({ command: 'console', open: false, gateways: [{ address: '::1', port: 4500 }] });
    expect(parsePiactlArgs(['console'], { HOME: '/home/x' })).toMatchObject({ command: 'console', gateways: [] });
  });

  it('refuses --gateway twice for another command, --open elsewhere, and one --gateway-id for several gateways', () => {
    expect(() => parsePiactlArgs(['get', 'x/y', '--gateway', '[::1]:1', '--gateway', '[::1]:2'], { HOME: '/h' })).toThrow(/--gateway is given 2 times; 'piactl get' talks to one gateway/);
    expect(() => parsePiactlArgs(['get', 'x/y', '--open', '--gateway', '[::1]:1'], { HOME: '/h' })).toThrow(/--open does not apply to 'piactl get'/);
    expect(() => parsePiactlArgs(['console', '--gateway-id', '3f2504e0-4f89-41d3-9a0c-0305e82c3301', '--gateway', '[::1]:1', '--gateway', '[::1]:2'], { HOME: '/h' })).toThrow(UsageError);
    expect(() => parsePiactlArgs(['console', 'extra'], { HOME: '/h' })).toThrow(/unexpected argument 'extra'/);
  });
});
