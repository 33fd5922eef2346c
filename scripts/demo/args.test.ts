import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_PORTS, DEMO_USAGE, parseDemoArgs } from './args.js';

describe("the demo's options (npm start -- …)", () => {
  it('defaults: the documented ports, a new folder, loopback addressing, no events', () => {
    expect(parseDemoArgs([])).toEqual({ help: false, seconds: undefined, dir: undefined, ports: DEFAULT_DEMO_PORTS, addressing: 'loopback', events: false, tour: false, mqtt: undefined });
  });

  it('moves each port with its option, and takes --dir, --events, --seconds', () => {
    const a = parseDemoArgs(['--pia-port', '14500', '--coap-port', '15683', '--trust-port', '14501', '--admin-port', '19464', '--web-port', '0', '--dir', '/var/tmp/d', '--events', '--seconds', '3']);
    expect(a.ports).toEqual({ gatewayPia: 14500, coap: 15683, trustPia: 14501, admin: 19464, web: 0 });
    expect(a).toMatchObject({ dir: '/var/tmp/d', events: true, seconds: 3 });
  });

  it.each([
    [['--pia-port', '70000'], /--pia-port must be a port number 1–65535, got "70000"/],
    [['--coap-port', '0'], /--coap-port must be a port number/],
    [['--admin-port', 'x'], /--admin-port must be a port number/],
    [['--pia-port', '5000', '--trust-port', '5000'], /--trust-port and --pia-port are both udp port 5000/],
    [['--seconds', '0'], /--seconds must be a positive number/],
    [['--addressing', 'lan'], /--addressing must be loopback or auto/],
    [['--dir', ''], /--dir needs a folder/],
    [['--mqtt', 'localhost'], /--mqtt must be a broker URL like mqtt:\/\/127\.0\.0\.1:1883, got "localhost"/],
    [['start'], /unexpected argument "start"/],
    [['--port', '1'], /Unknown option '--port'/],
  ])('%j is refused, naming the option', (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(message);
  });

  it('--help: every option is in the usage text', () => {
    expect(parseDemoArgs(['--help']).help).toBe(true);
    expect(parseDemoArgs(['--mqtt', 'mqtt://127.0.0.1:1883']).mqtt).toBe('mqtt://127.0.0.1:1883');
    for (const option of ['--mqtt', '--dir', '--seconds', '--pia-port', '--coap-port', '--trust-port', '--admin-port', '--web-port', '--addressing', '--events', '--tour', '--help']) {
      expect(DEMO_USAGE).toContain(`  ${option}`);
    }
  });
});
