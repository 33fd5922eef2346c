/**
 * gateway.secureElement: the identity from an ATECC608 instead of a credential file — defaults,
 * the checks past the schema (one identity source, two slots, no device at the chip's address),
 * and `check --hardware` looking for its I2C bus.
 */
import { describe, expect, it } from 'vitest';
import { checkHardware, type HostProbe } from './hardware-check.js';
import { parseGatewayConfig } from './load.js';
import { ConfigError, formatProblem } from './problems.js';

const yaml = (gatewayLines: string, devices = '  - { name: lamp, kind: lighting, relayLine: 23 }\n'): string => `version: 1
gateway:
  prefix: 2001:db8:42:1::/64
${gatewayLines}devices:
${devices}`;

function problemsOf(text: string): string[] {
  try {
    parseGatewayConfig(text, 'gateway.yaml');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map(formatProblem);
  }
  throw new Error('the configuration was accepted');
}

const host = (files: readonly string[]): HostProbe => ({ exists: (p) => files.includes(p), readText: () => undefined });

describe('gateway.secureElement', () => {
  it('takes bus, address and slots; address and slots default to 0x60, 0 and 8', () => {
    const full = parseGatewayConfig(yaml('  secureElement: { bus: 1, address: 0x60, keySlot: 0, idSlot: 8 }\n'), '/etc/pia-gateway/gateway.yaml');
    expect(full.gateway.secureElement).toEqual({ bus: 1, address: 0x60, keySlot: 0, idSlot: 8 });
    const short = parseGatewayConfig(yaml('  secureElement:\n    bus: 3\n'), '/etc/pia-gateway/gateway.yaml');
    expect(short.gateway.secureElement).toEqual({ bus: 3, address: 0x60, keySlot: 0, idSlot: 8 });
    const none = parseGatewayConfig(yaml(''), '/etc/pia-gateway/gateway.yaml');
    expect(none.gateway.secureElement).toBeUndefined();
  });

  it('credential and secureElement together: one problem naming both, with the fix "give one"', () => {
    expect(problemsOf(yaml('  credential: /etc/pia-gateway/credential.json\n  secureElement: { bus: 1 }\n'))).toEqual([
      'gateway.yaml:5: gateway: credential and secureElement are both given: the gateway takes its identity from one; give one: remove credential to use the identity burnt into the ATECC608, or remove secureElement to use the credential file',
    ]);
  });

  it('refuses one slot for both, a device at the chip\'s address, and schema mistakes with their fixes', () => {
    expect(problemsOf(yaml('  secureElement: { bus: 1, keySlot: 8 }\n'))).toEqual(['gateway.yaml:4: gateway.secureElement.keySlot: the node key and the identity record are both in slot 8; give the slots pia-provision burnt (default keySlot 0, idSlot 8)']);
    const clash = problemsOf(yaml('  secureElement: { bus: 1, address: 0x44 }\n', '  - { name: rack-temp, kind: thermometer, part: sht31, i2c: { bus: 1, address: 0x44 } }\n'));
    expect(clash).toEqual([
      "gateway.yaml:4: gateway.secureElement.address: the secure element and device \"rack-temp\" are both at i2c-1 0x44; check the addresses ('pia-gateway discover' lists what answers on the bus; the ATECC608 ships at 0x60)",
    ]);
    const schema = problemsOf(yaml('  secureElement: { address: 0x90, keyslot: 0 }\n'));
    expect(schema).toHaveLength(3);
    expect(schema.join('\n')).toMatch(/secureElement: bus is missing; add bus: 1/);
    expect(schema.join('\n')).toMatch(/secureElement\.address: 0x90 is out of range: must be 0x03–0x77/);
    expect(schema.join('\n')).toMatch(/unknown setting "keyslot"; did you mean keySlot\?/);
  });

  it('check --hardware looks for the secure element\'s bus instead of the credential file, once per bus', () => {
    const config = parseGatewayConfig(
      yaml('  secureElement: { bus: 1 }\n', '  - { name: rack-temp, kind: thermometer, part: sht31, i2c: { bus: 1, address: 0x44 } }\n'),
      'gateway.yaml',
    );
    expect(checkHardware(config, host(['/dev/i2c-1']))).toEqual([]);
    expect(checkHardware(config, host([])).map(formatProblem)).toEqual([
      'gateway.yaml:4: gateway.secureElement.bus: /dev/i2c-1 does not exist; enable I2C (dtparam=i2c_arm=on in config.txt, or raspi-config → Interface Options → I2C) and reboot; ls /dev/i2c-* lists the buses',
    ]);
  });
});
