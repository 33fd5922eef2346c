/**
 * `pia-gateway check --hardware`: does this host have what the configuration names? Looks at
 * files only (nothing is opened, written or driven), so it is safe on a running gateway:
 *   - /dev/i2c-N for every I2C bus (the devices' and gateway.secureElement's; a bus is reported once);
 *   - /sys/class/pwm/pwmchipN and its `npwm` (channels 0 … npwm − 1) for every PWM channel;
 *   - /sys/class/gpio/export when any device uses GPIO lines (the onoff driver's sysfs);
 *   - every serial port path (virtual:NAME ports belong to the simulated building: skipped);
 *   - the credential file, unless the identity is in the secure element.
 * Problems carry file:line of the setting, like the loader's.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ConfigProblem } from './problems.js';
import type { DeviceConfig, GatewayConfig, PwmRef } from './types.js';

const I2C_FIX = 'enable I2C (dtparam=i2c_arm=on in config.txt, or raspi-config → Interface Options → I2C) and reboot; ls /dev/i2c-* lists the buses';

export interface HostProbe {
  exists(path: string): boolean;
  /** The file's text, or undefined when it cannot be read. */
  readText(path: string): string | undefined;
}

/** The real filesystem. */
export function nodeHostProbe(): HostProbe {
  return {
    exists: (path) => existsSync(path),
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

export function checkHardware(config: GatewayConfig, probe: HostProbe): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: (string | number)[], device: DeviceConfig | undefined, setting: string, message: string, fix: string): void => {
    problems.push({ severity: 'error', file: config.source.file, line: config.source.lineOf(path), column: 1, ...(device === undefined ? {} : { device: device.name }), setting, message, fix });
  };
  const at = (d: DeviceConfig, ...rest: string[]): (string | number)[] => ['devices', d.index, ...rest];
  const pwm = (d: DeviceConfig, setting: string, ref: PwmRef): void => {
    const chip = `/sys/class/pwm/pwmchip${ref.chip}`;
    if (!probe.exists(chip)) {
      return problem(at(d, setting, 'chip'), d, `${setting}.chip`, `pwmchip${ref.chip} does not exist (${chip})`, 'enable the PWM overlay (dtoverlay=pwm-2chan in config.txt on a Pi 4) and reboot; ls /sys/class/pwm lists the chips');
    }
    const npwm = Number(probe.readText(`${chip}/npwm`)?.trim());
    if (Number.isInteger(npwm) && ref.channel >= npwm) {
      const has = npwm <= 0 ? 'none' : npwm === 1 ? '0' : `0–${npwm - 1}`;
      problem(at(d, setting, 'channel'), d, `${setting}.channel`, `pwm channel ${ref.channel} does not exist on pwmchip${ref.chip} (has ${has})`, `use a channel of pwmchip${ref.chip}, or another chip`);
    }
  };
  let gpioReported = false;
  const gpio = (d: DeviceConfig, setting: string): void => {
    if (gpioReported || probe.exists('/sys/class/gpio/export')) return;
    gpioReported = true;
    problem(at(d, setting), d, setting, 'this host has no sysfs GPIO (/sys/class/gpio/export)', 'run on a board with GPIO and sysfs GPIO enabled (some images drop it: docs/hardware.md#gpio); in a container, mount /sys/class/gpio');
  };
  const serial = (d: DeviceConfig, port: string): void => {
    if (port.startsWith('virtual:') || probe.exists(port)) return;
    problem(at(d, 'serial', 'port'), d, 'serial.port', `${port} does not exist`, 'plug the adapter in and check the path: ls /dev/serial/by-id lists USB serial adapters (stable names)');
  };

  const buses = new Set<number>();
  const se = config.gateway.secureElement;
  if (se !== undefined) {
    if (!probe.exists(`/dev/i2c-${se.bus}`)) problem(['gateway', 'secureElement', 'bus'], undefined, 'gateway.secureElement.bus', `/dev/i2c-${se.bus} does not exist`, I2C_FIX);
    buses.add(se.bus);
  } else if (!probe.exists(config.gateway.credential)) {
    problem(['gateway', 'credential'], undefined, 'gateway.credential', `${config.gateway.credential} does not exist`, "create it on the trusted server with 'pia-trust node add --kind gateway --label NAME --out FILE' and copy it here (mode 0600)");
  }
  for (const d of config.devices) {
    switch (d.kind) {
      case 'thermometer':
        if (!buses.has(d.i2c.bus) && !probe.exists(`/dev/i2c-${d.i2c.bus}`)) {
          problem(at(d, 'i2c', 'bus'), d, 'i2c.bus', `/dev/i2c-${d.i2c.bus} does not exist`, I2C_FIX);
        }
        buses.add(d.i2c.bus);
        break;
      case 'fan':
        pwm(d, 'pwm', d.pwm);
        gpio(d, 'tachLine');
        break;
      case 'door':
      case 'safe':
        gpio(d, 'relayLine');
        break;
      case 'lighting':
        gpio(d, 'relayLine');
        if (d.dimmer !== undefined) pwm(d, 'dimmer', d.dimmer);
        break;
      case 'hvac':
      case 'camera':
        serial(d, d.serial.port);
        break;
    }
  }
  return problems.sort((a, b) => a.line - b.line);
}
