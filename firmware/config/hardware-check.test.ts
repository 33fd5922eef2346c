import { describe, expect, it } from 'vitest';
import { checkHardware, type HostProbe } from './hardware-check.js';
import { parseGatewayConfig } from './load.js';
import { formatProblem } from './problems.js';

const config = parseGatewayConfig(
  `version: 1
gateway:
  prefix: 2001:db8:42:1::/64
  credential: /etc/pia-gateway/credential.json
devices:
  - name: rack-temp
    kind: thermometer
    part: sht31
    i2c: { bus: 1, address: 0x44 }
  - name: rack1-fan
    kind: fan
    pwm: { chip: 0, channel: 3 }
    tachLine: 6
  - name: lights
    kind: lighting
    relayLine: 23
    dimmer: { chip: 2, channel: 0 }
  - name: hvac
    kind: hvac
    serial: { port: /dev/serial/by-id/usb-FTDI-if00, baudRate: 9600 }
    unit: 15
    registerMap: chiltrix-cxi
  - name: cam
    kind: camera
    serial: { port: "virtual:camera", baudRate: 38400 }
`,
  'gateway.yaml',
);

/** A host made of the given files (path → content). */
function host(files: Record<string, string>): HostProbe {
  return { exists: (p) => p in files, readText: (p) => files[p] };
}

const complete = {
  '/etc/pia-gateway/credential.json': '{}',
  '/dev/i2c-1': '',
  '/sys/class/pwm/pwmchip0': '',
  '/sys/class/pwm/pwmchip0/npwm': '4\n',
  '/sys/class/pwm/pwmchip2': '',
  '/sys/class/pwm/pwmchip2/npwm': '1\n',
  '/sys/class/gpio/export': '',
  '/dev/serial/by-id/usb-FTDI-if00': '',
};

describe('checkHardware (files only, nothing opened)', () => {
  it('a host with everything: no problems (virtual: ports are the simulator\'s)', () => {
    expect(checkHardware(config, host(complete))).toEqual([]);
  });

  it('names each missing thing with the line of its setting and the fix', () => {
    const problems = checkHardware(config, host({ '/sys/class/pwm/pwmchip0': '', '/sys/class/pwm/pwmchip0/npwm': '2\n' }));
    expect(problems.map(formatProblem)).toEqual([
      "gateway.yaml:4: gateway.credential: /etc/pia-gateway/credential.json does not exist; create it on the trusted server with 'pia-trust node add --kind gateway --label NAME --out FILE' and copy it here (mode 0600)",
      'gateway.yaml:9: device "rack-temp": i2c.bus: /dev/i2c-1 does not exist; enable I2C (dtparam=i2c_arm=on in config.txt, or raspi-config → Interface Options → I2C) and reboot; ls /dev/i2c-* lists the buses',
      'gateway.yaml:12: device "rack1-fan": pwm.channel: pwm channel 3 does not exist on pwmchip0 (has 0–1); use a channel of pwmchip0, or another chip',
      'gateway.yaml:13: device "rack1-fan": tachLine: this host has no sysfs GPIO (/sys/class/gpio/export); run on a board with GPIO and sysfs GPIO enabled (some images drop it: docs/hardware.md#gpio); in a container, mount /sys/class/gpio',
      'gateway.yaml:17: device "lights": dimmer.chip: pwmchip2 does not exist (/sys/class/pwm/pwmchip2); enable the PWM overlay (dtoverlay=pwm-2chan in config.txt on a Pi 4) and reboot; ls /sys/class/pwm lists the chips',
      'gateway.yaml:20: device "hvac": serial.port: /dev/serial/by-id/usb-FTDI-if00 does not exist; plug the adapter in and check the path: ls /dev/serial/by-id lists USB serial adapters (stable names)',
    ]);
  });

  it('a chip with one channel says "has 0"', () => {
    const files = { ...complete, '/sys/class/pwm/pwmchip0/npwm': '1\n' };
    expect(checkHardware(config, host(files)).map((p) => p.message)).toEqual(['pwm channel 3 does not exist on pwmchip0 (has 0)']);
  });
});
